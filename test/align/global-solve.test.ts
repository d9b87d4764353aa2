// The global solve on synthetic matches with known truth (solve-fixtures.ts): the banded solver against a
// dense one, every model recovering the truth, a wrong match that does not bend the stack, parts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSample, fitModel, SOLVE_DEFAULTS, solvePlan, solvePoses, type AlignedPair } from "../../core/align/index.js";
import { BandedSystem } from "../../core/align/banded-cholesky.js";
import { IDENTITY } from "../../core/geometry/affine.js";
import { worstCornerError } from "./fixtures.js";
import { syntheticMatches } from "./solve-fixtures.js";

const SIZE = 1024;

test("banded Cholesky equals a dense Gaussian elimination on a random banded SPD system", () => {
  const n = 40;
  const b = 5;
  const dense = Array.from({ length: n }, () => new Float64Array(n));
  const sys = new BandedSystem(n, b);
  let seed = 3;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  for (let i = 0; i < n; i++) {
    for (let j = Math.max(0, i - b); j < i; j++) {
      const v = rand();
      dense[i][j] += v;
      dense[j][i] += v;
      sys.add(i, j, v);
    }
    dense[i][i] += 2 * b;
    sys.add(i, i, 2 * b);
    sys.rhs[i] = rand();
  }
  const rhs = Float64Array.from(sys.rhs);
  const x = sys.solve();
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += dense[i][j] * x[j];
    assert.ok(Math.abs(s - rhs[i]) < 1e-10, `row ${i}: ${s} vs ${rhs[i]}`);
  }
  assert.throws(() => new BandedSystem(2, 1).solve(), /not positive definite at unknown 0/);
});

for (const model of ["translation", "rigid", "affine"] as const) {
  // Point noise 0.1 px: each pair's fit is off by ~0.1 / sqrt(64) px and ~1e-4 degrees, which still adds up
  // along 300 slices (the bound holds that random walk, not zero).
  test(`${model} solve: 300 slices, k = 2, recovers the truth within 0.6 px at every corner`, () => {
    const { truth, pairs } = syntheticMatches(300, 2, { size: SIZE, noisePx: 0.1, rotationDeg: model === "translation" ? 0 : 0.2 });
    const { globals, parts } = solvePoses(pairs, 300, { model, lambda: 0.1, huberPx: 1.25, iterations: 3, width: SIZE, height: SIZE });
    assert.deepEqual(parts, [Array.from({ length: 300 }, (_, i) => i)]);
    assert.deepEqual(globals[0], IDENTITY, "slice 0 is the reference");
    const worst = Math.max(...globals.map((g, i) => worstCornerError(g, truth[i], SIZE, SIZE)));
    assert.ok(worst <= 0.6, `worst corner error ${worst.toFixed(3)} px`);
  });
}

/** The pairs as align tasks record them: the least-squares affine of the points, and the points as the sample. */
const asPairs = (pairs: ReturnType<typeof syntheticMatches>["pairs"]): AlignedPair[] =>
  pairs.map((p) => {
    const m = p.points.length / 4;
    const pts = { src: new Float64Array(2 * m), dst: new Float64Array(2 * m) };
    for (let i = 0; i < m; i++) {
      pts.src.set([p.points[4 * i], p.points[4 * i + 1]], 2 * i);
      pts.dst.set([p.points[4 * i + 2], p.points[4 * i + 3]], 2 * i);
    }
    const matrix = fitModel("affine", pts, Array.from({ length: m }, (_, i) => i)) ?? IDENTITY;
    return { from: p.from, to: p.to, result: { ok: true, matrix, flags: [], inliers: m, matches: m, sample: encodeSample(p.points) } };
  });

test("a wrong match (30 px off) is dropped as inconsistent and does not bend the stack", () => {
  const { truth, pairs } = syntheticMatches(120, 2, { size: SIZE, noisePx: 0.1 });
  const wrong = pairs.findIndex((p) => p.from === 59 && p.to === 60);
  for (let i = 0; i < pairs[wrong].points.length; i += 4) pairs[wrong].points[i + 2] += 30;
  const plan = solvePlan(asPairs(pairs), 120, SIZE, SIZE, { model: "affine", lambda: 0.1, huberPx: 1.25, rejectPx: 5, iterations: 4, maxRounds: 4, weakShare: 0.6, weakWindow: 10, spanPower: SOLVE_DEFAULTS.spanPower });
  assert.deepEqual(plan.bad, []);
  assert.equal(plan.verdicts[wrong], "inconsistent");
  assert.equal(plan.verdicts.filter((v) => v !== "used").length, 1);
  const worst = Math.max(...plan.globals.map((g, i) => worstCornerError(g, truth[i], SIZE, SIZE)));
  assert.ok(worst <= 0.6, `worst corner error ${worst.toFixed(3)} px`);
});

test("a slice whose matches all fail is bad, stood in by its neighbour; a gap no pair spans gives two parts", () => {
  const { pairs } = syntheticMatches(20, 2, { size: SIZE, noisePx: 0.3 });
  const aligned = asPairs(pairs).map((p) => (p.from === 7 || p.to === 7 ? { ...p, result: { ok: false, matrix: IDENTITY, flags: ["too-few-inliers"] } } : p));
  const params = { model: "affine", lambda: 0.1, huberPx: 1.25, rejectPx: 5, iterations: 2, maxRounds: 2, weakShare: 0.6, weakWindow: 10, spanPower: SOLVE_DEFAULTS.spanPower } as const;
  const plan = solvePlan(aligned, 20, SIZE, SIZE, params);
  assert.deepEqual(plan.bad, [7]);
  assert.deepEqual(plan.standIns.map((s) => [s.index, s.source, s.evidence.length]), [[7, 6, 4]]);
  assert.equal(plan.parts.length, 1);
  const cut = aligned.map((p) => (p.from <= 9 && p.to >= 10 ? { ...p, result: { ok: false, matrix: IDENTITY, flags: ["too-few-inliers"] } } : p));
  assert.deepEqual(solvePlan(cut, 20, SIZE, SIZE, params).parts.map((p) => p.length), [9, 10], "0-9 without 7, and 10-19");
});
