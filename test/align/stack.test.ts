// End to end on a synthetic stack: features per slice, pairs, plan; globals compared with ground truth.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alignPair, bridgePairs, extractFeatures, planTransforms, type AlignedPair, type PairResult, type SliceFeatures } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { generateSampleStack } from "../../core/sample/index.js";
import { worstCornerError } from "./fixtures.js";

const N = 1024;
const stack = generateSampleStack({ count: 8, width: N, height: N, seed: 11, maxDriftPx: 8, maxRotationDeg: 0.7 });

test("8-slice stack: recovered globals match the truth, with a blank slice bridged by the pairs around it", async () => {
  const slices = stack.slices.map((s) => s);
  slices[4] = { width: N, height: N, data: new Uint8Array(N * N) }; // a blank slice
  const features: SliceFeatures[] = [];
  for (const s of slices) features.push(await extractFeatures(s));
  const pairs: Array<PairResult | undefined> = [undefined];
  for (let z = 1; z < slices.length; z++) pairs.push(await alignPair(features[z - 1], features[z]));
  assert.deepEqual(pairs.map((p) => p?.ok), [undefined, true, true, true, false, false, true, true]);
  assert.deepEqual(pairs[4]?.flags, ["no-features"]);

  // The bridge pairs the pipeline asks for around the failed pairs (3, 4) and (4, 5).
  const adjacent: AlignedPair[] = pairs.slice(1).map((result, i) => ({ from: i, to: i + 1, result }));
  const bridges = bridgePairs([4, 5], slices.length, { ...DEFAULT_CONFIG.align, maxFailedPairShare: 0.3 });
  assert.deepEqual(bridges, [[1, 4], [2, 4], [2, 5], [3, 5], [3, 6], [4, 6], [4, 7]]);
  const bridged: AlignedPair[] = [];
  for (const [from, to] of bridges) bridged.push({ from, to, result: await alignPair(features[from], features[to]) });
  assert.deepEqual(bridged.map((p) => p.result?.ok), [false, false, true, true, true, false, false], "only the pairs with slice 4 fail");
  const plan = planTransforms([...adjacent, ...bridged], slices.length, N, N);
  assert.deepEqual(plan.sources, [0, 1, 2, 3, 3, 5, 6, 7]);
  assert.deepEqual(plan.standIns.map((s) => [s.index, s.source]), [[4, 3]]);
  const errors = plan.globals.map((g, z) => worstCornerError(g, stack.truth[z], N, N));
  console.log(`stack: worst-corner error of each global vs truth (px): ${errors.map((e) => e.toFixed(3)).join(" ")} (slice 4 is the stand-in)`);
  errors.forEach((e, z) => {
    if (z !== 4) assert.ok(e <= 0.1, `slice ${z}: ${e} px`);
  });
});
