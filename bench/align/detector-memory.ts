// Peak memory of each detector on one image of the sample tissue, each size in a fresh process (its
// /proc VmHWM), for the maxSize bounds in core/config.ts (MAX_DETECTOR_SIZE). The image is the copy a features
// task detects on, so its side is what `align.maxSize` allows.
//   node dist/bench/align/detector-memory.js [--sizes 1024,2048,4096] [--detectors akaze,sift]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_ALIGN_PARAMS } from "../../core/align/params.js";
import { openCv } from "../../core/align/opencv.js";
import { renderTissue } from "../../core/sample/index.js";
import { IDENTITY } from "../../core/geometry/affine.js";
import { printTable } from "../support.js";
import { tissueFor } from "./pairs.js";

function peakMiB(): number {
  const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("VmHWM:")) ?? "";
  return Number(line.replace(/\D+/g, "")) / 1024;
}

/** In the child: detect once and print one JSON line. */
function child(detector: string, size: number): void {
  const data = renderTissue(tissueFor(size), { z: 10, transform: IDENTITY, width: size, height: size, noise: 6 });
  const before = peakMiB();
  const t = process.cpuUsage();
  const found = detector === "sift" ? openCv().sift(data, size, size) : openCv().akaze(data, size, size, DEFAULT_ALIGN_PARAMS.akazeThreshold);
  const c = process.cpuUsage(t);
  console.log(JSON.stringify({ detector, size, keypoints: found.x.length, cpu: (c.user + c.system) / 1e6, beforeMiB: before, peakMiB: peakMiB() }));
}

const { values } = parseArgs({ options: { sizes: { type: "string", default: "1024,2048,4096" }, detectors: { type: "string", default: "akaze,sift" }, child: { type: "string" } } });
if (values.child !== undefined) {
  const [detector, size] = values.child.split(":");
  child(detector, Number(size));
} else {
  const rows: string[][] = [];
  for (const detector of values.detectors.split(",")) {
    for (const size of values.sizes.split(",").map(Number)) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", `${detector}:${size}`], { encoding: "utf8" });
      const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { keypoints: number; cpu: number; beforeMiB: number; peakMiB: number };
      const bytesPerPixel = ((r.peakMiB - r.beforeMiB) * 2 ** 20) / (size * size);
      rows.push([detector, `${size}^2`, String(r.keypoints), r.cpu.toFixed(2), r.peakMiB.toFixed(0), bytesPerPixel.toFixed(0)]);
    }
  }
  printTable([["detector", "image", "keypoints", "CPU-s", "peak RSS MiB", "bytes per pixel above the image"], ...rows]);
}
