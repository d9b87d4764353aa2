// Hostile corpus, alignment class (issue 15 item 4), through the real CLI at the default settings
// (align.destripe on): curtaining stripes fixed in the image frame do not pull the alignment toward the
// identity, and destripe.ts changes only the copy features are found on, never the volume; on a stack
// without stripes, destripe costs (almost) nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { stripeProfile } from "../../core/align/destripe.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { apply, compose, corners, invert, type Affine } from "../../core/geometry/affine.js";
import { sequence } from "../../core/sample/random.js";
import { assertSubstitutedExactly, runKeepingInput, sampleStack, sliceFile, tempDir, writeBlank, writeNoise } from "./support/align-stacks.js";

const SIZE = 512;
const run = (slices: string, out: string, ...more: string[]) => ["run", slices, "--out", out, "--workers", "2", ...more];

/** Adds the same +-amplitude offset to every pixel of column x of every slice (curtaining fixed in the frame). */
async function addStripes(slices: string, amplitude: number, seed: number): Promise<Float64Array> {
  const rand = sequence(seed);
  const stripes = Float64Array.from({ length: SIZE }, () => amplitude * (2 * rand() - 1));
  for (const name of readdirSync(slices).filter((f) => f.endsWith(".png"))) {
    const file = path.join(slices, name);
    const { data, info } = await sharp(readFileSync(file)).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(data[i] + stripes[i % info.width])));
    await sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).toColourspace("b-w").png().toFile(file);
  }
  return stripes;
}

/** Worst corner error (px) of every good slice's recorded transform against the ground truth, relative to the first good slice. */
function worstError(slices: string, out: string, bad: readonly number[]): number {
  const report = JSON.parse(readFileSync(path.join(out, "report", "transforms.json"), "utf8")) as { slices: Array<{ z: number; global: Affine }> };
  const truth = JSON.parse(readFileSync(path.join(slices, "ground-truth.json"), "utf8")).global as Affine[];
  const good = report.slices.filter((r) => !bad.includes(r.z));
  const base = invert(truth[good[0].z]);
  return Math.max(
    ...good.map((r) => {
      const expected = compose(base, truth[r.z]);
      return Math.max(...corners(SIZE, SIZE).map(([x, y]) => Math.hypot(apply(r.global, x, y)[0] - apply(expected, x, y)[0], apply(r.global, x, y)[1] - apply(expected, x, y)[1])));
    }),
  );
}

test("a stack with curtaining stripes (+-14 gray, fixed in the frame): exit 0, every slice within 0.5 px of the truth, the volume keeps its stripes", { timeout: 600_000 }, async (t) => {
  assert.equal(DEFAULT_CONFIG.align.destripe, true, "destripe is on by default");
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 24, SIZE);
  await addStripes(slices, 14, 21);
  // The stripes are there to be found: destripe.ts would take several gray levels out of a slice's feature copy.
  const { data } = await sharp(readFileSync(sliceFile(slices, 5))).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  const profile = stripeProfile({ width: SIZE, height: SIZE, data: new Uint8Array(data) });
  const rms = Math.sqrt(profile.reduce((a, v) => a + v * v, 0) / SIZE);
  assert.ok(rms > 3, `stripe profile of slice 5: ${rms.toFixed(2)} gray RMS`);

  const r = await runKeepingInput(slices, run(slices, out, "--raw"));
  assert.equal(r.code, 0, r.stderr);
  // No slice stood in for; each within 0.5 px of the truth; tensorstore reads every plane of the lossless
  // volume equal to the OpenCV oracle's warp of the striped slice: the stripes are in the output, untouched.
  await assertSubstitutedExactly(slices, out, [], SIZE);
  console.log(`striped 24 x 512^2 stack through the CLI: worst corner error ${worstError(slices, out, []).toFixed(3)} px`);
});

test("the clean 32-slice 512^2 stack (blank 12, noise 13): destripe on (the default) is within 0.03 px of destripe off, both within 0.5 px", { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 32, SIZE);
  await writeBlank(sliceFile(slices, 12), SIZE);
  await writeNoise(sliceFile(slices, 13), SIZE, 7);
  const off = path.join(dir, "off.json");
  writeFileSync(off, JSON.stringify({ align: { destripe: false } }));
  const worst: Record<string, number> = {};
  for (const [name, flags] of [["destripe on", []], ["destripe off", ["--config", off]]] as const) {
    const out = path.join(dir, name.replace(" ", "-"));
    const r = await runKeepingInput(slices, run(slices, out, ...flags));
    assert.equal(r.code, 0, r.stderr);
    worst[name] = worstError(slices, out, [12, 13]);
  }
  console.log(`clean 32 x 512^2 stack through the CLI, worst corner error (px): ${JSON.stringify(worst)}`);
  assert.ok(worst["destripe on"] <= 0.5 && worst["destripe off"] <= 0.5, JSON.stringify(worst));
  assert.ok(worst["destripe on"] <= worst["destripe off"] + 0.03, JSON.stringify(worst));
});
