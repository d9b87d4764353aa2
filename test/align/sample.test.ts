import { test } from "node:test";
import assert from "node:assert/strict";
import { extractFeatures } from "../../core/align/index.js";
import { compose, IDENTITY, invert } from "../../core/geometry/affine.js";
import { generateSampleStack, planSampleStack } from "../../core/sample/index.js";
import { assertClose } from "./fixtures.js";

test("sample stack: deterministic, truth[0] is the identity, truth is a composed random walk", () => {
  const a = generateSampleStack({ count: 4, width: 128, height: 96, seed: 5 });
  const b = generateSampleStack({ count: 4, width: 128, height: 96, seed: 5 });
  const c = generateSampleStack({ count: 4, width: 128, height: 96, seed: 6 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.slices[1].data, c.slices[1].data);
  assert.deepEqual(a.truth[0], IDENTITY);
  assert.equal(a.slices.length, 4);
  assert.equal(a.slices[0].data.length, 128 * 96);
  // Neighbouring slices alike but not identical: mean absolute difference between slice 0 and slice 0
  // re-rendered at z = 1 with the same transform is small compared with unrelated content.
  const plan = planSampleStack({ count: 2, width: 256, height: 256, seed: 5, maxDriftPx: 0, maxRotationDeg: 0, noise: 0 });
  const [s0, s1] = [plan.render(0), plan.render(1)];
  let diff = 0;
  for (let i = 0; i < s0.data.length; i++) diff += Math.abs(s0.data[i] - s1.data[i]);
  diff /= s0.data.length;
  assert.ok(diff > 0.1 && diff < 12, `mean |slice1 - slice0| = ${diff}`);
});

test("sample truth: each step is bounded by the drift and rotation options", () => {
  const { truth } = planSampleStack({ count: 50, width: 1000, height: 1000, seed: 2, maxDriftPx: 4, maxRotationDeg: 0.2 });
  for (let z = 1; z < truth.length; z++) {
    const step = compose(invert(truth[z - 1]), truth[z]);
    const angle = Math.atan2(step[3], step[0]);
    assert.ok(Math.abs(angle) <= (0.2 * Math.PI) / 180 + 1e-12);
    // The image centre moves by the translation step: at most 4 px per axis.
    const cx = 499.5;
    assert.ok(Math.abs(step[0] * cx + step[1] * cx + step[2] - cx) <= 4 + 1e-9);
  }
  assertClose(truth[0], IDENTITY, 0);
});

test("sample: 16 slices of 1024 x 1024 with plenty of AKAZE features", async () => {
  // How fast it is, is not asserted: no timed assertions in tests.
  const stack = generateSampleStack({ count: 16, width: 1024, height: 1024, seed: 7 });
  assert.equal(stack.slices.length, 16);
  const features = await extractFeatures(stack.slices[8], { maxFeatures: 100000 });
  assert.ok(features.count > 2000, `${features.count} keypoints`);
});
