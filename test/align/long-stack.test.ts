// Issue 15 items 1 and 6: a long synthetic stack (long-stack.ts) with known transforms, jitter, drift, a restart
// jump, stripes, brightness drift and bad slices, through the real per-slice path (features, the matches
// of align-task.ts up to nAdjacent apart, the bridge pairs, the global solve of the plan step): every bad
// slice found, no good one lost, the worst long-range error bounded, and no worse than the chain's. The
// default nAdjacent 2 rests on two properties asserted here: on tissue that does not change along z it is
// within 5% of the chain in every block of 100 slices, and on matches with independent errors per pair it
// beats the chain in every block (BENCHMARKS.md, "Global solve vs chained pairs").
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSample, fitModel, planTransforms, solveParams, solvePlan, type AlignedPair } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { compose, invert } from "../../core/geometry/affine.js";
import { worstCornerError } from "./fixtures.js";
import { defaultLongStack, errorsAgainstTruth, longStack, matchStack } from "./long-stack.js";
import { syntheticMatches } from "./solve-fixtures.js";

const k = DEFAULT_CONFIG.align.nAdjacent;

/** Worst error of each block of 100 slices. */
const perHundred = (errors: readonly number[]) => Array.from({ length: Math.ceil(errors.length / 100) }, (_, b) => Math.max(...errors.slice(100 * b, 100 * b + 100)));

test("a 240-slice stack with drift, a jump, stripes, brightness drift and bad slices: the solve finds exactly the bad slices, as accurate as the chain", { timeout: 600_000 }, async () => {
  const options = defaultLongStack(240);
  const stack = longStack(options);
  // The stack has curtaining stripes: destripe on, as for such a stack (align.destripe).
  const pairs = await matchStack(stack, k, true);
  const jumpPair = pairs.find((p) => p.from === options.jumpAt - 1 && p.to === options.jumpAt);
  assert.equal(jumpPair?.result?.ok, true, `the pair across the jump aligned: ${jumpPair?.result?.flags.join(",")}`);
  const n = stack.slices.length;
  const solved = solvePlan(pairs, n, 256, 256, solveParams(DEFAULT_CONFIG.align));
  // Blank first slice, two adjacent noise slices, the half-blank slice and the repeated frame.
  assert.deepEqual(solved.bad, stack.bad, "every bad slice, and only those");
  assert.equal(solved.parts.length, 1);
  const reference = solved.sources.findIndex((s, z) => s === z);
  const errors = perHundred(errorsAgainstTruth(solved.globals, stack, reference));
  const chained = planTransforms(pairs, n, 256, 256);
  // The chain keeps the half-blank slice and the repeated frame as good.
  assert.deepEqual(chained.bad, stack.bad.filter((z) => z !== options.halfBlank[0] && z !== options.repeat[0]));
  const chainErrors = perHundred(errorsAgainstTruth(chained.globals, stack, reference).map((e, z) => (chained.bad.includes(z) ? 0 : e)));
  console.log(`long stack (240 x 256^2, nAdjacent ${k}): worst corner error vs truth per 100 slices: solve ${errors.map((e) => e.toFixed(3)).join(" ")}, chained ${chainErrors.map((e) => e.toFixed(3)).join(" ")} px`);
  // The sample tissue's cells wander along z (core/sample/tissue.ts), which moves every pair a little for
  // real: about 1 px over 240 slices whatever the method; the solve must not add to it.
  errors.forEach((e, b) => assert.ok(e <= chainErrors[b] + 0.02 && e <= 1.5, `slices ${100 * b}-${100 * b + 99}: solve ${e.toFixed(3)} px, chained ${chainErrors[b].toFixed(3)} px`));
  // The jump is absorbed: slices after it are placed jumpPx further, within the same bound.
  assert.ok(Math.abs(solved.globals[options.jumpAt + 5][2] - solved.globals[options.jumpAt - 5][2]) > options.jumpPx * 0.8);
});

test("on a stack with no bad slice, the solve at nAdjacent 1 reproduces the chain's transforms (within 0.01 px)", { timeout: 600_000 }, async () => {
  const clean = { ...defaultLongStack(80), seed: 7, blank: [], noise: [], halfBlank: [], repeat: [] };
  const stack = longStack(clean);
  const pairs = await matchStack(stack, 1, true);
  const solved = solvePlan(pairs, 80, 256, 256, solveParams(DEFAULT_CONFIG.align));
  const chained = planTransforms(pairs, 80, 256, 256);
  assert.deepEqual(solved.bad, []);
  assert.deepEqual(chained.bad, []);
  const differences = solved.globals.map((g, z) => worstCornerError(compose(invert(solved.globals[0]), g), compose(invert(chained.globals[0]), chained.globals[z]), 256, 256));
  const worst = Math.max(...differences);
  console.log(`solve vs chain at nAdjacent 1: worst corner difference ${worst.toExponential(2)} px over 80 slices`);
  assert.ok(worst <= 0.01, `worst corner difference ${worst} px`);
});

test("with align.destripe, stripes fixed in the image frame and brightness drift do not bias the solve (120 slices, a jump, no bad slices); without it the stripes do more", { timeout: 600_000 }, async () => {
  const clean = { ...defaultLongStack(120), seed: 6, stripeGray: 0, brightnessDrift: false, blank: [], noise: [], halfBlank: [], repeat: [] };
  const worst: Record<string, number> = {};
  for (const [name, options] of [["plain", clean], ["stripes", { ...clean, stripeGray: 14 }], ["brightness drift", { ...clean, brightnessDrift: true }]] as const) {
    const stack = longStack(options);
    const solved = solvePlan(await matchStack(stack, k, true), 120, 256, 256, solveParams(DEFAULT_CONFIG.align));
    assert.deepEqual(solved.bad, [], name);
    worst[name] = Math.max(...errorsAgainstTruth(solved.globals, stack, 0));
  }
  const striped = longStack({ ...clean, stripeGray: 14 });
  const plain = solvePlan(await matchStack(striped, k, false), 120, 256, 256, solveParams(DEFAULT_CONFIG.align));
  worst["stripes, destripe off"] = Math.max(...errorsAgainstTruth(plain.globals, striped, 0).filter((_, z) => !plain.bad.includes(z)));
  console.log(`stripes / brightness drift: worst corner error vs truth (px): ${JSON.stringify(worst)}`);
  // Without destripe.ts the stripes, which match themselves at zero shift, pull the pairs toward the identity.
  // (Measured 2026-12-01: 0.87 vs 0.73 px at nAdjacent 1, 0.83 vs 0.67 at 2; 0.99 vs 0.70 at 1 before
  // solve-plan.ts placed the slices by rule 5 and fitted longer translation pairs rigid.)
  assert.ok(worst["stripes, destripe off"] > worst.stripes + 0.1, JSON.stringify(worst));
  assert.ok(Math.abs(worst.stripes - worst.plain) <= 0.5 && Math.abs(worst["brightness drift"] - worst.plain) <= 0.5, JSON.stringify(worst));
});

test("the default nAdjacent (2) on tissue that does not change along z: every block of 100 slices within 5% of the chain's error, no bad slice missed", { timeout: 600_000 }, async () => {
  assert.equal(k, 2);
  const options = { ...defaultLongStack(240), staticTissue: true };
  const stack = longStack(options);
  const n = stack.slices.length;
  const solved = solvePlan(await matchStack(stack, k, true), n, 256, 256, solveParams(DEFAULT_CONFIG.align));
  // The chain of the pairs a run at nAdjacent 1 matches (adjacent, and bridges 2 apart), as bench/align/stack-accuracy.
  const chained = planTransforms(await matchStack(stack, 1, true), n, 256, 256);
  assert.deepEqual(solved.bad, stack.bad);
  const reference = chained.sources.findIndex((src, z) => src === z);
  const errors = perHundred(errorsAgainstTruth(solved.globals, stack, reference));
  const chainErrors = perHundred(errorsAgainstTruth(chained.globals, stack, reference).map((e, z) => (chained.bad.includes(z) ? 0 : e)));
  console.log(`static tissue (240 x 256^2): worst corner error vs truth per 100 slices: solve at nAdjacent ${k} ${errors.map((e) => e.toFixed(3)).join(" ")}, chained ${chainErrors.map((e) => e.toFixed(3)).join(" ")} px`);
  errors.forEach((e, b) => assert.ok(e <= 1.05 * chainErrors[b], `slices ${100 * b}-${100 * b + 99}: solve ${e.toFixed(3)} px, chained ${chainErrors[b].toFixed(3)} px`));
});

test("matches with independent errors per pair (a random walk of 2 px per slice): the solve at the default nAdjacent beats the chain in every block of 100 slices", () => {
  const N = 500;
  const { truth, pairs } = syntheticMatches(N, k, { size: 1024, noisePx: 0.3, points: 200, stepPx: 2, seed: 3 });
  // As align tasks record them: each pair's least-squares affine of all its points, 64 of them as the sample.
  const recorded: AlignedPair[] = pairs.map((p) => {
    const m = p.points.length / 4;
    const pts = { src: new Float64Array(2 * m), dst: new Float64Array(2 * m) };
    for (let i = 0; i < m; i++) {
      pts.src.set([p.points[4 * i], p.points[4 * i + 1]], 2 * i);
      pts.dst.set([p.points[4 * i + 2], p.points[4 * i + 3]], 2 * i);
    }
    const matrix = fitModel("affine", pts, Array.from({ length: m }, (_, i) => i)) ?? [1, 0, 0, 0, 1, 0];
    return { from: p.from, to: p.to, result: { ok: true, model: "affine", matrix, flags: [], inliers: m, matches: m, sample: encodeSample(p.points.subarray(0, 4 * 64)) } };
  });
  const solved = solvePlan(recorded, N, 1024, 1024, solveParams(DEFAULT_CONFIG.align));
  const chained = planTransforms(recorded.filter((p) => p.to - p.from === 1), N, 1024, 1024);
  const errorsOf = (globals: typeof solved.globals) => perHundred(globals.map((g, z) => worstCornerError(g, truth[z], 1024, 1024)));
  const [errors, chainErrors] = [errorsOf(solved.globals), errorsOf(chained.globals)];
  console.log(`independent pair errors (${N} slices of 1024^2): solve at nAdjacent ${k} ${errors.map((e) => e.toFixed(3)).join(" ")}, chained ${chainErrors.map((e) => e.toFixed(3)).join(" ")} px`);
  errors.forEach((e, b) => assert.ok(e < chainErrors[b], `slices ${100 * b}-${100 * b + 99}: solve ${e.toFixed(3)} px, chained ${chainErrors[b].toFixed(3)} px`));
});
