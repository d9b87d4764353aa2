// bench/align/akaze-subset: CPU ms per features copy of AKAZE with descriptors for every keypoint (the full
// detectAndCompute, then the ranking) against descriptors for the maxFeatures kept ones only
// (native/akaze.cc with maxFeatures), alternating in --reps rounds within one process.
//
//   node dist/bench/align/akaze-subset.js DIR [--slices 4] [--reps 3]
//
// The copies are the pipeline's: each slice of DIR decoded, box-downsampled to the features size and
// destriped (core/align/features.ts with the default parameters).
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { destripe } from "../../core/align/destripe.js";
import { downsampleForFeatures } from "../../core/align/downsample.js";
import { featureFactor } from "../../core/align/features.js";
import { openCv } from "../../core/align/opencv.js";
import { DEFAULT_ALIGN_PARAMS } from "../../core/align/params.js";
import { decodeSlice, isGray16 } from "../../core/image/decode.js";
import type { Gray8 } from "../../core/image/gray.js";

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) throw new Error("usage: node dist/bench/align/akaze-subset.js DIR [--slices 4] [--reps 3]");
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const p = DEFAULT_ALIGN_PARAMS;
const names = (await readdir(dir)).filter((f) => f.endsWith(".png")).sort().slice(0, flag("--slices", 4));
const copies: Gray8[] = [];
for (const name of names) {
  const image = await decodeSlice(await readFile(path.join(dir, name)), name, 2 ** 31);
  if (isGray16(image)) throw new Error(`${name}: the bench takes 8-bit slices`);
  copies.push(destripe(downsampleForFeatures(image, featureFactor(image.width, image.height, p.maxSize))));
}
const cv = openCv();
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function perCopy(maxFeatures: number | undefined): { ms: number; kept: number } {
  const t0 = cpuMs();
  let kept = 0;
  for (const c of copies) kept += cv.akaze(c.data, c.width, c.height, p.akazeThreshold, maxFeatures).x.length;
  return { ms: (cpuMs() - t0) / copies.length, kept: kept / copies.length };
}
perCopy(p.maxFeatures);
for (let r = 0; r < flag("--reps", 3); r++) {
  const full = perCopy(undefined);
  const subset = perCopy(p.maxFeatures);
  const load = (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
  console.log(`round ${r + 1}: ${copies[0].width}x${copies[0].height}: all descriptors ${full.ms.toFixed(0)} ms (${full.kept.toFixed(0)} keypoints), kept only ${subset.ms.toFixed(0)} ms (${subset.kept.toFixed(0)}), ratio ${(subset.ms / full.ms).toFixed(2)} (load ${load})`);
}
