// The substitution rule of core/align/plan-transforms.ts, with the bridge pairs of bridge-pairs.ts and the
// policy of alignment-policy.ts, on simulated stacks: every slice has a known global transform, a pair aligns
// exactly when both of its slices are good (and it is not a listed broken pair), and its matrix is then the
// true one. Every case of the rule's header is here.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  alignmentProblems,
  boundingBox,
  bridgePairs,
  failureOf,
  planTransforms,
  type AlignedPair,
  type AlignmentOutcome,
  type PairResult,
} from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { compose, IDENTITY, invert, translation, type Affine } from "../../core/geometry/affine.js";
import { stepAbout } from "../../core/sample/index.js";
import { assertClose } from "./fixtures.js";

const policy = DEFAULT_CONFIG.align;
const ok = (matrix: Affine): PairResult => ({ ok: true, model: "affine", matrix, matches: 100, inliers: 90, inlierRatio: 0.9, residualPx: 0.3, flags: [] });
const bad = (flag: string): PairResult => ({ ok: false, model: "affine", matrix: IDENTITY, matches: 7, inliers: 0, inlierRatio: 0, residualPx: 0, flags: [flag] });
const chain = (results: Array<PairResult | undefined>): AlignedPair[] => results.slice(1).map((result, i) => ({ from: i, to: i + 1, result }));

/** Truth: slice z moves by (z, 2z) plus a small rotation per slice. */
function truth(n: number): Affine[] {
  const step = stepAbout(49.5, 49.5, 0.002, 1, 0, 1, 2);
  const out: Affine[] = [IDENTITY];
  for (let z = 1; z < n; z++) out.push(compose(out[z - 1], step));
  return out;
}

interface Simulated {
  pairs: AlignedPair[];
  bridges: Array<[number, number]>;
  truth: Affine[];
  outcome: (plan: ReturnType<typeof planTransforms>) => AlignmentOutcome;
}

/** The adjacent pairs, then the bridge pairs they call for, as the pipeline computes them. */
function simulate(n: number, badSlices: readonly number[], options: { flag?: string; broken?: Array<[number, number]>; p?: typeof policy } = {}): Simulated {
  const t = truth(n);
  const isBad = new Set(badSlices);
  const broken = new Set((options.broken ?? []).map(([a, b]) => `${a},${b}`));
  const result = (from: number, to: number): PairResult =>
    isBad.has(from) || isBad.has(to) || broken.has(`${from},${to}`) ? bad(options.flag ?? "no-features") : ok(compose(invert(t[from]), t[to]));
  const pairs: AlignedPair[] = [];
  for (let z = 1; z < n; z++) pairs.push({ from: z - 1, to: z, result: result(z - 1, z) });
  const failed = pairs.filter((p) => !p.result?.ok).map((p) => p.to);
  const bridges = bridgePairs(failed, n, options.p ?? policy);
  for (const [from, to] of bridges) pairs.push({ from, to, result: result(from, to) });
  const outcome = (plan: ReturnType<typeof planTransforms>): AlignmentOutcome => {
    const all = pairs.filter((p) => !p.result?.ok).map(failureOf);
    return { n, firstZ: 0, failedAdjacent: all.filter((f) => f.to - f.from === 1), failed: all, bad: plan.bad, parts: plan.parts };
  };
  return { pairs, bridges, truth: t, outcome };
}

/** Every good slice's global equals the truth relative to the reference; every bad one shows its source. */
function assertPlacement(sim: Simulated, plan: ReturnType<typeof planTransforms>): void {
  const reference = plan.parts[0][0];
  const rel = invert(sim.truth[reference]);
  plan.sources.forEach((source, i) => assertClose(plan.globals[i], compose(rel, sim.truth[source]), 1e-9));
  assertClose(plan.globals[reference], IDENTITY, 1e-12);
}

test("identity stack: box is the image itself", () => {
  const plan = planTransforms(chain([undefined, ok(IDENTITY), ok(IDENTITY)]), 3, 100, 50);
  assert.deepEqual(plan.box, { x0: 0, y0: 0, width: 100, height: 50 });
  assert.deepEqual(plan.sources, [0, 1, 2]);
  assert.deepEqual(plan.standIns, []);
  assert.deepEqual(plan.parts, [[0, 1, 2]]);
});

test("translations compose and the box is hand-computed from pixel centres", () => {
  // Slice 1 -> slice 0: +10.5, -3; slice 2 -> slice 1: +2, +1.25. Globals: T1 = (10.5, -3), T2 = (12.5, -1.75).
  const plan = planTransforms(chain([undefined, ok(translation(10.5, -3)), ok(translation(2, 1.25))]), 3, 100, 50);
  assertClose(plan.globals[1], [1, 0, 10.5, 0, 1, -3], 1e-12);
  assertClose(plan.globals[2], [1, 0, 12.5, 0, 1, -1.75], 1e-12);
  // x centres span [0, 99 + 12.5] = [0, 111.5] -> x0 0, x1 112, width 113.
  // y centres: slice 0 [0, 49], slice 1 [-3, 46], slice 2 [-1.75, 47.25] -> y0 -3, y1 49, height 53.
  assert.deepEqual(plan.box, { x0: 0, y0: -3, width: 113, height: 53 });
});

test("composition order is T_z = T_{z-1} ∘ P_z (rotation then translation)", () => {
  const rot90: Affine = [0, -1, 0, 1, 0, 0]; // (x, y) -> (-y, x)
  const plan = planTransforms(chain([undefined, ok(rot90), ok(translation(5, 0))]), 3, 11, 11);
  // T2(x, y) = rot90(x + 5, y) = (-y, x + 5)
  assertClose(plan.globals[2], [0, -1, 0, 1, 0, 5], 1e-12);
  // Slice 0: [0, 10]^2; slice 1: x in [-10, 0], y in [0, 10]; slice 2: x in [-10, 0], y in [5, 15].
  assert.deepEqual(plan.box, { x0: -10, y0: 0, width: 21, height: 16 });
});

test("box snaps values within 1e-9 of an integer, rounds others outward", () => {
  const box = boundingBox([IDENTITY, translation(-1e-12, 0.2)], 10, 10);
  assert.deepEqual(box, { x0: 0, y0: 0, width: 10, height: 11 });
});

test("a single slice is good on its own; pairs outside the stack are refused", () => {
  assert.deepEqual(planTransforms([], 1, 10, 10).parts, [[0]]);
  assert.throws(() => planTransforms([{ from: 1, to: 1, result: ok(IDENTITY) }], 2, 10, 10), /pair \(1, 1\) is not a pair of a 2-slice stack/);
  assert.throws(() => planTransforms([{ from: 0, to: 2, result: ok(IDENTITY) }], 2, 10, 10), /pair \(0, 2\)/);
});

test("bridge pairs: every pair up to maxConsecutiveBad + 1 apart that spans a failed pair, clipped to the stack", () => {
  // (3, 4) failed, k = 2: from 2..3 or 1..3 with 2 <= to - from <= 3 and from <= 3 < 4 <= to.
  assert.deepEqual(bridgePairs([4], 20, policy), [[1, 4], [2, 4], [2, 5], [3, 5], [3, 6]]);
  assert.deepEqual(bridgePairs([1], 20, policy), [[0, 2], [0, 3]], "a failed first pair: slice 0 is tried with 2 and 3");
  assert.deepEqual(bridgePairs([19], 20, policy), [[16, 19], [17, 19]], "a failed last pair");
  assert.deepEqual(bridgePairs([4], 20, { ...policy, maxConsecutiveBad: 0 }), [], "no bad slice allowed: nothing to bridge");
  assert.equal(bridgePairs([20], 40, { ...policy, maxConsecutiveBad: 16 }).length, (17 * 18) / 2 - 1);
  // 3 of 10 failed is more than the default share: the policy refuses anyway, so no bridges.
  assert.deepEqual(bridgePairs([2, 3, 4], 11, policy), []);
  assert.deepEqual(bridgePairs([2, 3, 4], 11, { ...policy, maxFailedPairShare: 0.3 }), [[0, 2], [0, 3], [1, 3], [1, 4], [2, 4], [2, 5], [3, 5], [3, 6]]);
});

test("blank first slice: only slice 0 is substituted (by slice 1, the reference), with its three failed pairs as evidence", () => {
  const sim = simulate(24, [0]);
  assert.deepEqual(sim.bridges, [[0, 2], [0, 3]]);
  const plan = planTransforms(sim.pairs, 24, 100, 100);
  assert.deepEqual(plan.bad, [0]);
  assert.deepEqual(plan.standIns.map((s) => [s.index, s.source]), [[0, 1]]);
  assert.deepEqual(plan.standIns[0].evidence.map((e) => [e.from, e.to, e.flags]), [[0, 1, ["no-features"]], [0, 2, ["no-features"]], [0, 3, ["no-features"]]]);
  assert.deepEqual(plan.parts, [Array.from({ length: 23 }, (_, i) => i + 1)]);
  assert.deepEqual(plan.sources.slice(0, 3), [1, 1, 2], "the good slice 1 keeps its own image");
  assertPlacement(sim, plan);
  assert.deepEqual(alignmentProblems(sim.outcome(plan), policy).problems, []);
});

test("blank last slice: only it is substituted, by the slice before it", () => {
  const sim = simulate(24, [23]);
  const plan = planTransforms(sim.pairs, 24, 100, 100);
  assert.deepEqual(plan.standIns.map((s) => [s.index, s.source]), [[23, 22]]);
  assert.deepEqual(plan.standIns[0].evidence.map((e) => [e.from, e.to]), [[20, 23], [21, 23], [22, 23]]);
  assertPlacement(sim, plan);
  assert.deepEqual(alignmentProblems(sim.outcome(plan), policy).problems, []);
});

test("blank middle slice: only it is substituted; the pair (b-1, b+1) carries the chain over it", () => {
  const sim = simulate(24, [10]);
  const plan = planTransforms(sim.pairs, 24, 100, 100);
  assert.deepEqual(plan.standIns.map((s) => [s.index, s.source]), [[10, 9]]);
  assert.equal(plan.parts.length, 1);
  assertPlacement(sim, plan);
  assert.deepEqual(alignmentProblems(sim.outcome(plan), policy).problems, []);
});

test("two adjacent blank slices cost exactly those two; the good slice after them keeps its own image", () => {
  const sim = simulate(32, [10, 11]);
  const plan = planTransforms(sim.pairs, 32, 100, 100);
  assert.deepEqual(plan.standIns.map((s) => [s.index, s.source]), [[10, 9], [11, 9]]);
  assert.equal(plan.sources[12], 12);
  assert.equal(plan.parts.length, 1, "(9, 12) joins the two sides");
  assertPlacement(sim, plan);
  assert.deepEqual(alignmentProblems(sim.outcome(plan), policy).problems, [], "3 of 31 pairs failed: under the default share");
});

test("two adjacent blanks at the start or the end of the stack", () => {
  for (const blanks of [[0, 1], [30, 31]]) {
    const sim = simulate(32, blanks);
    const plan = planTransforms(sim.pairs, 32, 100, 100);
    assert.deepEqual(plan.bad, blanks);
    assertPlacement(sim, plan);
    assert.deepEqual(alignmentProblems(sim.outcome(plan), policy).problems, []);
  }
});

test("three adjacent blank slices: exactly they are bad, nothing reaches over them, and the policy refuses", () => {
  const p = { ...policy, maxFailedPairShare: 1 };
  const sim = simulate(32, [10, 11, 12], { p });
  const plan = planTransforms(sim.pairs, 32, 100, 100);
  assert.deepEqual(plan.bad, [10, 11, 12]);
  assert.deepEqual(plan.parts.map((part) => [part[0], part[part.length - 1]]), [[0, 9], [13, 31]]);
  const verdict = alignmentProblems(sim.outcome(plan), p);
  assert.deepEqual(verdict.problems, [
    "slices 10-12 are bad (up to 3 in a row), more than align.maxConsecutiveBad 2 allows",
    "the good slices fall into 2 parts that no aligned pair joins: [0-9] | [13-31]",
  ]);
  assert.equal(verdict.acceptable, true, "a larger maxConsecutiveBad asks for the pairs that join the parts");
  // Allowed three in a row, the bridges reach 4 apart and join the parts.
  const p3 = { ...p, maxConsecutiveBad: 3 };
  const wider = simulate(32, [10, 11, 12], { p: p3 });
  const plan3 = planTransforms(wider.pairs, 32, 100, 100);
  assert.equal(plan3.parts.length, 1);
  assertPlacement(wider, plan3);
  assert.deepEqual(alignmentProblems(wider.outcome(plan3), p3).problems, []);
});

test("a good slice between two bad ones keeps its own image", () => {
  // 4 of 23 pairs fail: over the default share, so the bridges need a larger one.
  const sim = simulate(24, [9, 11], { p: { ...policy, maxFailedPairShare: 0.2 } });
  const plan = planTransforms(sim.pairs, 24, 100, 100);
  assert.deepEqual(plan.bad, [9, 11]);
  assert.equal(plan.sources[10], 10);
  assertPlacement(sim, plan);
});

const hopeless: Array<[string, string]> = [
  ["a stack of pure noise", "too-few-matches"],
  ["constant slices", "no-features"],
  ["a good stack with a too-strict maxEpsilon", "too-few-inliers"],
];
for (const [name, flag] of hopeless) {
  test(`${name}: no pair aligns, no bridge is asked for, and the policy refuses`, () => {
    const n = 8;
    const sim = simulate(n, Array.from({ length: n }, (_, i) => i), { flag });
    assert.deepEqual(sim.bridges, [], "7 of 7 failed: the share alone refuses");
    const plan = planTransforms(sim.pairs, n, 100, 100);
    assert.deepEqual(plan.bad, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(plan.parts, []);
    assert.deepEqual(plan.sources, [0, 1, 2, 3, 4, 5, 6, 7], "nothing stands in for anything");
    const verdict = alignmentProblems(sim.outcome(plan), policy);
    assert.deepEqual(verdict.problems, ["7 of 7 pairs (z-1, z) failed (100.0%), more than align.maxFailedPairShare 0.1 allows", "no pair aligned at all"]);
    assert.equal(verdict.acceptable, false);
    // Even when any share is accepted, nothing aligned to anything.
    const any = { ...policy, maxFailedPairShare: 1 };
    const all = simulate(n, Array.from({ length: n }, (_, i) => i), { flag, p: any });
    assert.ok(all.bridges.length > 0);
    const planAll = planTransforms(all.pairs, n, 100, 100);
    assert.deepEqual(alignmentProblems(all.outcome(planAll), any).problems, ["no slice aligned with any other"]);
  });
}

test("a pair that fails between two good slices: the pairs around it join them, nothing is substituted", () => {
  const sim = simulate(24, [], { broken: [[10, 11]] });
  const plan = planTransforms(sim.pairs, 24, 100, 100);
  assert.deepEqual(plan.bad, []);
  assert.equal(plan.parts.length, 1);
  assertPlacement(sim, plan);
});

test("a jump no pair reaches over: two parts, no slice blamed, refused", () => {
  const broken: Array<[number, number]> = [[10, 11], [9, 11], [10, 12], [8, 11], [9, 12], [10, 13]];
  const sim = simulate(24, [], { broken });
  const plan = planTransforms(sim.pairs, 24, 100, 100);
  assert.deepEqual(plan.bad, []);
  assert.deepEqual(plan.parts.map((part) => [part[0], part[part.length - 1]]), [[0, 10], [11, 23]]);
  assert.deepEqual(alignmentProblems(sim.outcome(plan), policy).problems, ["the good slices fall into 2 parts that no aligned pair joins: [0-10] | [11-23]"]);
});

test("a slice reached only from a later one is placed through the inverse of that pair", () => {
  // 11 fails with 10 and 9 but aligns with 12, and 12 aligns with 10: 12 is placed from 10, 11 from 12.
  const sim = simulate(24, [], { broken: [[10, 11], [9, 11], [8, 11]] });
  const plan = planTransforms(sim.pairs, 24, 100, 100);
  assert.deepEqual(plan.bad, []);
  assert.equal(plan.parts.length, 1);
  assertPlacement(sim, plan);
});

test("a missing result counts as failed", () => {
  const plan = planTransforms(chain([undefined, undefined, ok(IDENTITY)]), 3, 10, 10);
  assert.deepEqual(plan.bad, [0]);
  assert.deepEqual(plan.standIns[0].evidence, [{ from: 0, to: 1, flags: ["no-result"], matches: 0, inliers: 0 }]);
});

test("500 pairs: composed globals match the exact product, drift stays numerically clean", () => {
  const w = 2048;
  const results: Array<PairResult | undefined> = [undefined];
  // Exact expectation by accumulating angle and translation in closed form: each step rotates by
  // +0.01 deg about the centre and translates by (0.5, -0.25).
  const step = stepAbout((w - 1) / 2, (w - 1) / 2, (0.01 * Math.PI) / 180, 1, 0, 0.5, -0.25);
  for (let i = 1; i <= 500; i++) results.push(ok(step));
  const plan = planTransforms(chain(results), 501, w, w);
  let expected: Affine = IDENTITY;
  for (let i = 1; i <= 500; i++) expected = compose(expected, step);
  assertClose(plan.globals[500], expected, 1e-9);
  // The product is a rotation by 5 degrees: orthonormal linear part, no drift in scale.
  const [a, b, , d, e] = plan.globals[500];
  assert.ok(Math.abs(a * e - b * d - 1) < 1e-12);
  assert.ok(Math.abs(Math.atan2(d, a) - (5 * Math.PI) / 180) < 1e-12);
  assert.equal(plan.standIns.length, 0);
  assert.ok(plan.box.width > w && plan.box.height > w);
});
