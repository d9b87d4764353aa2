// align.detector "sift": the same known-transform pairs as align-pair.test.ts (1024 x 1024 rendered tissue)
// align with SIFT features to the same accuracy bound (worst corner <= 0.1 px) and the same chosen model;
// SIFT features round-trip through the feature codec (detector code 2); features of two kinds are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alignPair, decodeFeatures, encodeFeatures, extractFeatures, guidedMatch, matchFeatures, type SliceFeatures } from "../../core/align/index.js";
import { PermanentError } from "../../core/errors.js";
import { IDENTITY, type Affine } from "../../core/geometry/affine.js";
import { stepAbout } from "../../core/sample/index.js";
import { tissueSlice, truePair, worstCornerError } from "./fixtures.js";

const N = 1024;
const C = (N - 1) / 2;
const deg = (d: number) => (d * Math.PI) / 180;
const sift = { detector: "sift" } as const;
let referenceFeatures: SliceFeatures | undefined;
const prevFeatures = async () => (referenceFeatures ??= await extractFeatures(tissueSlice(N, 10, IDENTITY), sift));

const cases: Array<{ name: string; global: Affine; model: string; noise?: number }> = [
  { name: "translation", global: [1, 0, 30.3, 0, 1, -12.7], model: "translation" },
  { name: "rotation 3 deg + translation", global: stepAbout(C, C, deg(3), 1, 0, -8.4, 15.1), model: "rigid" },
  { name: "rotation -1 deg, scale 1.01, shear 0.005", global: stepAbout(C, C, deg(-1), 1.01, 0.005, 4.2, 3.3), model: "affine" },
  { name: "strong grain noise (sigma 20)", global: stepAbout(C, C, deg(1), 1, 0, 6.6, -2.2), model: "rigid", noise: 20 },
  { name: "partial overlap (shift 230 px, 1 deg)", global: stepAbout(C, C, deg(1), 1, 0, 230, -40), model: "rigid" },
];

for (const c of cases) {
  test(`SIFT pair accuracy: ${c.name}`, async () => {
    const cur = tissueSlice(N, 11, c.global, { noise: c.noise ?? 6 });
    const started = performance.now();
    const fc = await extractFeatures(cur, sift);
    const result = await alignPair(await prevFeatures(), fc, sift);
    const ms = performance.now() - started;
    const err = worstCornerError(result.matrix, truePair(IDENTITY, c.global), N, N);
    console.log(
      `sift ${c.name}: ok ${result.ok} model ${result.model} keypoints ${fc.count} matches ${result.matches} inliers ${result.inliers} ` +
        `rms ${result.residualPx.toFixed(3)} px, worst corner ${err.toFixed(4)} px, ${ms.toFixed(0)} ms (features of one slice + pair)`,
    );
    assert.equal(fc.detector, "sift");
    assert.equal(fc.descriptorBytes, 128);
    assert.equal(result.ok, true, result.flags.join(","));
    assert.deepEqual(result.flags, []);
    assert.equal(result.model, c.model);
    assert.ok(err <= 0.1, `worst corner error ${err} px`);
  });
}

test("SIFT features round-trip through the feature codec, recorded as detector 2, and align the same", async () => {
  const prev = await prevFeatures();
  const cur = await extractFeatures(tissueSlice(N, 11, stepAbout(C, C, deg(2), 1, 0, 5, 7)), sift);
  const bytes = encodeFeatures(cur);
  assert.equal(bytes[6], 2);
  assert.equal(bytes.length, 28 + 12 * cur.count + 128 * cur.count);
  const back = decodeFeatures(bytes);
  assert.deepEqual(back, cur);
  assert.deepEqual(await alignPair(decodeFeatures(encodeFeatures(prev)), back, sift), await alignPair(prev, cur, sift));
});

test("features of different detectors are refused by name, never matched against each other", async () => {
  const img = tissueSlice(N, 11, IDENTITY);
  const akaze = await extractFeatures(img);
  const s = await prevFeatures();
  assert.equal(akaze.detector, "akaze");
  const refused = (e: unknown) =>
    e instanceof PermanentError && /features of different detectors cannot be matched: sift and akaze/.test(e.message);
  await assert.rejects(alignPair(s, akaze, sift), refused);
  await assert.rejects(matchFeatures(s, akaze, 0.92), refused);
  assert.throws(() => guidedMatch(s, akaze, IDENTITY, 25, 0.92), refused);
  // Through the stored form too: the codec keeps the kind.
  await assert.rejects(alignPair(decodeFeatures(encodeFeatures(s)), decodeFeatures(encodeFeatures(akaze))), refused);
});
