// Hostile corpus, alignment class (issue 15 item 3), through the real CLI at the default nAdjacent: the two
// bad slices the chain of adjacent pairs kept as good are found by the solve's consistency rules and cost
// exactly themselves: a half-blank slice (its adjacent pairs hold a fraction of the neighbours' inliers:
// weak, core/align/weak-pairs.ts; the bridge stage joins its neighbours around it) and a repeated frame
// (identical features: "repeated-frame", core/pipeline/align-task.ts). Every good slice is placed as the
// ground truth says within 0.5 px, and tensorstore reads every plane as the oracle's warp.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { assertEvidence, assertSubstitutedExactly, runKeepingInput, sampleStack, sliceFile, tempDir } from "./support/align-stacks.js";

const SIZE = 512;

test("a half-blank slice and a repeated frame: exit 0, exactly those two are stood in for, each with its reason", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 32, SIZE);
  // Slice 10: its right half lost (black), as a partly failed acquisition leaves it.
  const half = await sharp(sliceFile(slices, 10)).greyscale().raw().toBuffer();
  for (let y = 0; y < SIZE; y++) half.fill(0, y * SIZE + SIZE / 2, (y + 1) * SIZE);
  writeFileSync(sliceFile(slices, 10), await sharp(half, { raw: { width: SIZE, height: SIZE, channels: 1 } }).png().toBuffer());
  // Slice 20: the frame of slice 19 written again.
  copyFileSync(sliceFile(slices, 19), sliceFile(slices, 20));
  const r = await runKeepingInput(slices, ["run", slices, "--out", out, "--workers", "2", "--raw", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { executed: Record<string, number> };
  // Around the weak pairs (9, 10), (10, 11) and the repeated pair (19, 20): the pairs nAdjacent + 1 (3) to
  // maxConsecutiveBad + 1 (3) apart that span them (core/align/bridge-pairs.ts): (7,10) (8,11) (9,12)
  // (10,13) and (17,20) (18,21) (19,22); the pairs 2 apart around them are the align stage's.
  assert.equal(DEFAULT_CONFIG.align.nAdjacent, 2);
  assert.equal(result.executed.bridge, 7);
  await assertSubstitutedExactly(slices, out, [10, 20], SIZE);
  const [halfBlank, repeated] = assertEvidence(out, [10, 20]);
  assert.ok(halfBlank.evidence.every((e) => e.flags.includes("weak")), JSON.stringify(halfBlank.evidence));
  assert.ok(repeated.evidence.some((e) => e.flags.includes("repeated-frame") && e.pair[0] === 19), JSON.stringify(repeated.evidence));
});
