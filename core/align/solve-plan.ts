// From the matched pairs of a stack to bad slices, global transforms, stand-ins and the global box, by the
// global solve (global-solve.ts). Slices are indexed 0..n-1 (index 0 is minz). A pair {from, to} (from < to)
// holds the result of matching slice `to` to slice `from`: the pairs up to nAdjacent apart (align stage)
// and the bridge pairs of bridge-pairs.ts. Whether the stack is acceptable is not decided here: the policy
// (alignment-policy.ts) reads `bad` and `parts`.
//
// The bad-slice rule (by consistency, not by the order of a pair):
// 1. A pair takes part in the solve when it aligned (ok), carries an inlier sample, is not weak and joins
//    two slices not yet bad. Weak (weak-pairs.ts): fewer than weakShare (0.6) of the median inliers of the
//    aligned pairs of the same span whose `to` is within +-weakWindow (10) slices: most of one slice's
//    content is missing (a half-blank or partial slice), so its pairs hold a fraction of its neighbours'
//    inliers. The bridge stage matches the pairs around a weak adjacent pair, as around a failed one.
// 2. A pair flagged "repeated-frame" (the two slices have identical features: the same frame written
//    twice, align-task.ts) makes its slice `to` bad: the later copy is the repeat.
// 3. The verdict solves run on the pairs that take part (each as its sampled positions, mapped by its own
//    fit, see virtualPoints, weighted by its inliers; pairs of every span weigh alike, as in mpicbg: a
//    lower weight for longer pairs here would let one wrong adjacent pair outvote the two pairs 2 apart
//    that contradict it); a pair whose RMS residual under the solve exceeds rejectPx
//    (0.2 * align.maxEpsilon) disagrees with the other pairs of its slices: it is dropped and the solve
//    runs again (at most maxRounds times).
// 4. A slice is bad when no pair that takes part is left with it (in a stack of two or more): its
//    matches all failed, are weak, or disagree with its neighbours'. Every other slice is good and keeps
//    its own image. A run of bad slices costs exactly those slices, at the ends of the stack too.
// 5. Placement: once the verdicts stand, the used pairs are solved once more with a pair `span` apart
//    weighing span^-spanPower (spanPower 4: 1/16 at span 2) times its inliers. On tissue that changes
//    along z the errors of longer pairs do not cancel along the stack as the adjacent pairs' do (those
//    are mostly the errors of each slice's own keypoints, which telescope); with equal weights the pairs
//    2 apart left rendered stacks up to 2x the chain's error in a block, and with 1/16 they still halve the
//    chain's error on independent pair errors (BENCHMARKS.md, "Global solve vs chained pairs").
// 6. Stand-ins: a bad slice shows the nearest good slice before it (after it, at the start of the
//    stack), with that slice's transform; its evidence is every pair it is part of, with the verdict.
// The box is that of plan-transforms.ts `boundingBox`.
import { IDENTITY, type Affine } from "../geometry/affine.js";
import { connectedParts, solvePoses, type SolveModel, type SolvePair } from "./global-solve.js";
import { decodeSample, sampleCorrespondences } from "./inlier-sample.js";
import { fitModel } from "./models.js";
import type { AlignParams } from "./params.js";
import { WEAK_RULE, weakPairs } from "./weak-pairs.js";
import { boundingBox, failureOf, standInSources, type AlignedPair, type PairFailure, type StandIn, type TransformPlan } from "./plan-transforms.js";

export interface SolvePlanParams {
  model: SolveModel;
  lambda: number;
  huberPx: number;
  rejectPx: number;
  iterations: number;
  maxRounds: number;
  weakShare: number;
  weakWindow: number;
  /** The placement solve weighs a pair `span` apart span^-spanPower (rule 5); 0 weighs every span alike. */
  spanPower: number;
}

export const SOLVE_DEFAULTS = { lambda: 0.1, huberShare: 0.05, rejectShare: 0.2, iterations: 4, maxRounds: 4, weakShare: WEAK_RULE.share, weakWindow: WEAK_RULE.window, spanPower: 4 };

/** The solve's settings for an alignment's settings: "auto" solves the affine (regularised, see global-solve.ts). */
export function solveParams(align: Pick<AlignParams, "expectedModel" | "maxEpsilon">): SolvePlanParams {
  const d = SOLVE_DEFAULTS;
  return {
    model: align.expectedModel === "auto" ? "affine" : align.expectedModel,
    lambda: d.lambda,
    huberPx: d.huberShare * align.maxEpsilon,
    rejectPx: d.rejectShare * align.maxEpsilon,
    iterations: d.iterations,
    maxRounds: d.maxRounds,
    weakShare: d.weakShare,
    weakWindow: d.weakWindow,
    spanPower: d.spanPower,
  };
}

export interface SolvedPlan extends TransformPlan {
  /** Per input pair: "used" when it took part in the final solve, else why not (a PairFailure flag). */
  verdicts: string[];
  /** Per input pair: RMS residual (px) under the final solve, when it took part. */
  residualPx: Array<number | undefined>;
}

/**
 * The solve's points of a pair: the sampled positions s, and d = the pair's own fit at s. The fit uses all
 * the pair's inliers (hundreds), so it places d more exactly than the 64 sampled matches do (their RMS is
 * the pair's residual, ~0.3 px); each point then weighs inliers / sample size, so the pair counts as all
 * its inliers. Exception: a pair 2 or more apart whose "auto" model choice was translation, in a solve of
 * rotations, whose slices adjacent candidates join (`joined`), is mapped by the rigid least-squares fit of its sample. Translation is chosen when the
 * rotation hides in the pair's noise, and over a longer span the tissue's own change raises that noise
 * enough to drop real rotation (82 of 229 pairs 2 apart on the sample tissue of bench/align/stack-accuracy),
 * which the adjacent pairs, whose rotations the solve sums, then contradict.
 */
function virtualPoints(pair: AlignedPair, model: SolveModel, joined: boolean): Float32Array {
  const pts = decodeSample(pair.result?.sample ?? "");
  const recorded = pair.result?.matrix ?? IDENTITY;
  const m = model !== "translation" && joined && pair.to - pair.from >= 2 && pair.result?.model === "translation" ? (sampleFit(pts) ?? recorded) : recorded;
  for (let i = 0; i < pts.length; i += 4) {
    const [sx, sy] = [pts[i], pts[i + 1]];
    pts[i + 2] = m[0] * sx + m[1] * sy + m[2];
    pts[i + 3] = m[3] * sx + m[4] * sy + m[5];
  }
  return pts;
}

/** The rigid least-squares fit of a sample's own point pairs (undefined when they are degenerate). */
function sampleFit(pts: Float32Array): Affine | undefined {
  return fitModel("rigid", sampleCorrespondences(pts), Int32Array.from({ length: pts.length / 4 }, (_, i) => i));
}

export function solvePlan(pairs: readonly AlignedPair[], n: number, width: number, height: number, p: SolvePlanParams): SolvedPlan {
  for (const q of pairs) {
    if (!(Number.isInteger(q.from) && Number.isInteger(q.to) && q.from >= 0 && q.from < q.to && q.to < n)) {
      throw new RangeError(`solvePlan: pair (${q.from}, ${q.to}) is not a pair of a ${n}-slice stack`);
    }
  }
  const weak = weakPairs(pairs, { share: p.weakShare, window: p.weakWindow });
  const verdicts = pairs.map((q, k): string => {
    if (q.result?.ok !== true) return "failed";
    if (q.result.sample === undefined) return "no-sample";
    return weak[k] ? "weak" : "candidate";
  });
  const bad = new Uint8Array(n);
  pairs.forEach((q) => {
    if (q.result?.flags.includes("repeated-frame")) bad[q.to] = 1;
  });
  // Rule 1's exception applies to a longer pair only where adjacent candidates join its two slices (it is
  // there to agree with their summed rotations); a bridge across a failed or weak pair is the only link,
  // and its own fit over all its inliers is the best there is.
  const adjacentOk = new Uint8Array(n);
  pairs.forEach((q, k) => {
    if (q.to === q.from + 1 && verdicts[k] === "candidate") adjacentOk[q.from] = 1;
  });
  const joined = (q: AlignedPair): boolean => adjacentOk.subarray(q.from, q.to).every((v) => v === 1);
  const points = pairs.map((q, k) => (verdicts[k] === "candidate" ? virtualPoints(q, p.model, joined(q)) : new Float32Array(0)));
  const weightOf = (k: number) => (pairs[k].result?.inliers ?? 0) / Math.max(1, points[k].length / 4);
  const residualPx: Array<number | undefined> = pairs.map(() => undefined);
  let globals: Affine[] = new Array<Affine>(n).fill(IDENTITY);
  for (let round = 0; round < p.maxRounds + 1; round++) {
    const using: number[] = [];
    pairs.forEach((q, k) => {
      if (verdicts[k] === "candidate" || verdicts[k] === "used") {
        if (bad[q.from] || bad[q.to]) verdicts[k] = "other-slice-bad";
        else if (points[k].length === 0) verdicts[k] = "no-sample";
        else using.push(k);
      }
    });
    const solvePairs: SolvePair[] = using.map((k) => ({ from: pairs[k].from, to: pairs[k].to, points: points[k], weight: weightOf(k) }));
    const solution = solvePoses(solvePairs, n, { model: p.model, lambda: p.lambda, huberPx: p.huberPx, iterations: p.iterations, width, height });
    globals = solution.globals;
    let changed = false;
    using.forEach((k, j) => {
      residualPx[k] = solution.pairRms[j];
      if (solution.pairRms[j] > p.rejectPx && round < p.maxRounds) {
        verdicts[k] = "inconsistent";
        changed = true;
      } else {
        verdicts[k] = "used";
      }
    });
    const touched = new Uint8Array(n);
    pairs.forEach((q, k) => {
      if (verdicts[k] === "used" || verdicts[k] === "candidate") touched[q.from] = touched[q.to] = 1;
    });
    for (let i = 0; i < n; i++) {
      if (n > 1 && !touched[i] && !bad[i]) {
        bad[i] = 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Placement (rule 5): the used pairs again, each span weighed span^-spanPower.
  const used = pairs.flatMap((q, k) => (verdicts[k] === "used" ? [k] : []));
  if (p.spanPower !== 0 && used.some((k) => pairs[k].to - pairs[k].from > 1)) {
    const placing = used.map((k) => ({ from: pairs[k].from, to: pairs[k].to, points: points[k], weight: weightOf(k) * (pairs[k].to - pairs[k].from) ** -p.spanPower }));
    const placed = solvePoses(placing, n, { model: p.model, lambda: p.lambda, huberPx: p.huberPx, iterations: p.iterations, width, height });
    globals = placed.globals;
    used.forEach((k, j) => (residualPx[k] = placed.pairRms[j]));
  }
  const usedPairs: SolvePair[] = used.map((k) => ({ from: pairs[k].from, to: pairs[k].to, points: points[k] }));
  const parts = n === 1 ? [[0]] : connectedParts(usedPairs, n);
  return { ...standIns(pairs, n, bad, globals, verdicts, residualPx, width, height), parts };
}

function standIns(
  pairs: readonly AlignedPair[],
  n: number,
  bad: Uint8Array,
  placed: readonly Affine[],
  verdicts: string[],
  residualPx: Array<number | undefined>,
  width: number,
  height: number,
): Omit<SolvedPlan, "parts"> {
  const touching: number[][] = Array.from({ length: n }, () => []);
  pairs.forEach((q, k) => {
    touching[q.from].push(k);
    touching[q.to].push(k);
  });
  const good = Array.from({ length: n }, (_, i) => !bad[i]);
  const sources = standInSources(good);
  const badList = good.flatMap((g, i) => (g ? [] : [i]));
  const list: StandIn[] = badList.map((i) => ({
    index: i,
    source: sources[i],
    evidence: touching[i].map((k) => evidenceOf(pairs[k], verdicts[k])).sort((a, b) => a.to - b.to || a.from - b.from),
  }));
  const globals = sources.map((s) => placed[s] ?? IDENTITY);
  return { globals, sources, standIns: list, bad: badList, box: boundingBox(globals, width, height), verdicts, residualPx };
}

/** A pair as evidence against a bad slice: its own flags when it failed, else the solve's verdict. */
function evidenceOf(pair: AlignedPair, verdict: string): PairFailure {
  if (pair.result?.ok !== true || verdict === "used") return failureOf(pair);
  return { ...failureOf({ ...pair, result: { ...pair.result, flags: [] } }), flags: [verdict] };
}
