// The inlier sample's round trip: sampleInliers -> encodeSample -> decodeSample -> sampleCorrespondences
// gives back the sampled point pairs (at float32 precision), evenly chosen over the inliers.
import assert from "node:assert/strict";
import test from "node:test";
import { decodeSample, encodeSample, MAX_SAMPLE, sampleCorrespondences, sampleInliers } from "../../core/align/inlier-sample.js";

test("a sample of 200 inliers holds 64 of their point pairs, evenly chosen, and decodes back to them", () => {
  const n = 300;
  const src = Float64Array.from({ length: 2 * n }, (_, i) => 1000.123 + i * 3.25);
  const dst = Float64Array.from({ length: 2 * n }, (_, i) => -20.5 + i * 1.75);
  const inliers = Int32Array.from({ length: 200 }, (_, i) => 299 - i);
  const back = sampleCorrespondences(decodeSample(encodeSample(sampleInliers({ src, dst }, inliers))));
  assert.equal(back.src.length, 2 * MAX_SAMPLE);
  for (let i = 0; i < MAX_SAMPLE; i++) {
    const k = inliers[Math.floor((i * inliers.length) / MAX_SAMPLE)];
    for (const j of [0, 1]) {
      assert.equal(back.src[2 * i + j], Math.fround(src[2 * k + j]));
      assert.equal(back.dst[2 * i + j], Math.fround(dst[2 * k + j]));
    }
  }
});

test("fewer inliers than the sample holds are all kept, in order", () => {
  const src = Float64Array.from([1, 2, 3, 4, 5, 6]);
  const dst = Float64Array.from([7, 8, 9, 10, 11, 12]);
  const back = sampleCorrespondences(sampleInliers({ src, dst }, [2, 0]));
  assert.deepEqual([...back.src], [5, 6, 1, 2]);
  assert.deepEqual([...back.dst], [11, 12, 7, 8]);
});
