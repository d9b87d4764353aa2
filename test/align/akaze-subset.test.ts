// AKAZE descriptors for the kept keypoints only (native/akaze.cc with maxFeatures): the keypoints, their
// order and their descriptors must be exactly what ranking the full detectAndCompute gives (features.ts's
// ranking before this change: response descending, ties by OpenCV's index, first maxFeatures kept). The
// full call itself is held to opencv-python's by test/align/native-opencv.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openCv, type AkazeResult } from "../../core/align/opencv.js";
import { extractFeatures } from "../../core/align/features.js";
import { stepAbout } from "../../core/sample/index.js";
import { tissueSlice } from "./fixtures.js";

/** The first `max` keypoints of the full result, ranked as features.ts ranked them. */
function rankedFull(full: AkazeResult, max: number): AkazeResult {
  const n = full.x.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => full.response[b] - full.response[a] || a - b);
  const keep = order.slice(0, Math.min(n, max));
  const bytes = full.descriptorBytes;
  const descriptors = new Uint8Array(keep.length * bytes);
  keep.forEach((i, k) => descriptors.set(full.descriptors.subarray(i * bytes, (i + 1) * bytes), k * bytes));
  return {
    x: Float32Array.from(keep, (i) => full.x[i]),
    y: Float32Array.from(keep, (i) => full.y[i]),
    response: Float32Array.from(keep, (i) => full.response[i]),
    descriptorBytes: keep.length > 0 ? bytes : 0,
    descriptors,
  };
}

const images = [
  tissueSlice(1024, 3, stepAbout(511.5, 511.5, 0.01, 1, 0, 3, -2)),
  tissueSlice(768, 11, stepAbout(383.5, 383.5, -0.03, 1.01, 0.004, -5, 7), { seed: 9, noise: 12 }),
  tissueSlice(512, 4, stepAbout(255.5, 255.5, 0.02, 1, 0, 2, -1)),
  tissueSlice(200, 1, stepAbout(99.5, 99.5, 0, 1, 0, 0, 0), { seed: 3 }),
];

test("AKAZE with maxFeatures keeps the strongest keypoints with the descriptors the full call gives them", () => {
  const cv = openCv();
  for (const [k, img] of images.entries()) {
    const full = cv.akaze(img.data, img.width, img.height, 0.001);
    const n = full.x.length;
    assert.ok(n > 100, `image ${k}: ${n} keypoints is too few to mean anything`);
    for (const max of [6000, Math.floor(n * 0.7), 100, 1, n, n + 5]) {
      const subset = cv.akaze(img.data, img.width, img.height, 0.001, max);
      const want = rankedFull(full, max);
      assert.equal(subset.x.length, want.x.length, `image ${k}, max ${max}: count`);
      assert.deepEqual(subset.x, want.x, `image ${k}, max ${max}: x`);
      assert.deepEqual(subset.y, want.y, `image ${k}, max ${max}: y`);
      assert.deepEqual(subset.response, want.response, `image ${k}, max ${max}: response`);
      assert.equal(subset.descriptorBytes, want.descriptorBytes);
      assert.ok(Buffer.from(subset.descriptors).equals(Buffer.from(want.descriptors)), `image ${k}, max ${max}: descriptors`);
    }
  }
});

test("extractFeatures keeps the same keypoints and descriptors through the subset path", async () => {
  const cv = openCv();
  for (const [k, img] of images.entries()) {
    // destripe off: the features are found on the image itself, at factor 1.
    const feats = await extractFeatures(img, { maxFeatures: 300, destripe: false, akazeThreshold: 0.001, detector: "akaze" });
    const want = rankedFull(cv.akaze(img.data, img.width, img.height, 0.001), 300);
    assert.equal(feats.factor, 1);
    assert.equal(feats.count, want.x.length, `image ${k}: count`);
    assert.deepEqual(feats.x, want.x);
    assert.deepEqual(feats.y, want.y);
    assert.deepEqual(feats.response, want.response);
    assert.ok(Buffer.from(feats.descriptors).equals(Buffer.from(want.descriptors)), `image ${k}: descriptors`);
  }
});

test("akaze refuses a negative or fractional maxFeatures", () => {
  const px = new Uint8Array(100);
  assert.throws(() => openCv().akaze(px, 10, 10, 0.001, -1), { name: "TypeError", message: /maxFeatures must be >= 0/ });
  assert.throws(() => openCv().akaze(px, 10, 10, 0.001, 1.5), { name: "TypeError", message: /maxFeatures must be an integer/ });
});
