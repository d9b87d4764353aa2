// One pair (z-1, z): match the stored features, fit with RANSAC, refine, choose the model, check that the
// result is plausible. Matching is coarse-to-fine when both slices have more than `coarseFeatures`
// keypoints: the strongest ones are brute-force matched and fitted, then every keypoint is matched among
// the neighbours of its predicted position; if the coarse fit is in any doubt, everything is brute-forced. The transform maps slice z pixel coordinates to slice z-1 pixel coordinates.
// Bad image content never throws: the result has ok = false and a flag naming the reason.
//
// Flags (ok = false): "no-features" (a slice has fewer keypoints than the model's minimal set),
// "too-few-matches" (fewer ratio-test matches than minNumInliers), "too-few-inliers" (< minNumInliers),
// "low-inlier-ratio" (inliers / matches < minInlierRatio), "implausible-shift" (the image centre moves
// more than maxShiftFraction of the longer side), "implausible-scale" (a singular value of the linear
// part outside 1 +- maxScaleDeviation, or a reflection), "size-mismatch" (the slices differ in size).
import { IDENTITY, type Affine } from "../geometry/affine.js";
import { chooseModel } from "./choose-model.js";
import type { SliceFeatures } from "./features.js";
import { guidedMatch } from "./guided-match.js";
import { matchFeatures, type Matches } from "./match.js";
import { MIN_POINTS, type Correspondences } from "./models.js";
import { resolveAlignParams, type AlignParams, type ModelKind } from "./params.js";
import { ransac, type FitResult } from "./ransac.js";
import { encodeSample, sampleInliers } from "./inlier-sample.js";

export interface PairResult {
  ok: boolean;
  model: ModelKind;
  /** Maps slice z to slice z-1 (OpenCV 2x3). IDENTITY when nothing could be fitted. */
  matrix: Affine;
  /** Matches that passed the ratio test (guided ones when coarse-to-fine matching was used). */
  matches: number;
  inliers: number;
  /** inliers / matches. */
  inlierRatio: number;
  /** RMS residual of the inliers under `matrix`, full-resolution px. */
  residualPx: number;
  flags: string[];
  /** Up to MAX_SAMPLE inlier point pairs for the global solve (inlier-sample.ts), when a fit was found. */
  sample?: string;
}

/** Singular values of the 2x2 linear part [[a, b], [d, e]], largest first. */
export function singularValues(m: Affine): [number, number] {
  const [a, b, , d, e] = m;
  const s1 = Math.hypot(a + e, d - b) / 2;
  const s2 = Math.hypot(a - e, d + b) / 2;
  return [s1 + s2, Math.abs(s1 - s2)];
}

/** Flags for a transform that no slice-to-slice motion should produce. */
export function plausibilityFlags(m: Affine, width: number, height: number, p: AlignParams): string[] {
  const flags: string[] = [];
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const shift = Math.hypot(m[0] * cx + m[1] * cy + m[2] - cx, m[3] * cx + m[4] * cy + m[5] - cy);
  if (!(shift <= p.maxShiftFraction * Math.max(width, height))) flags.push("implausible-shift");
  const [big, small] = singularValues(m);
  const det = m[0] * m[4] - m[1] * m[3];
  if (!(big <= 1 + p.maxScaleDeviation && small >= 1 - p.maxScaleDeviation && det > 0)) flags.push("implausible-scale");
  return flags;
}

/** Matched keypoint coordinates: src in slice z, dst in slice z-1 (full-resolution px). */
function correspondences(prev: SliceFeatures, cur: SliceFeatures, matches: Matches): Correspondences {
  const m = matches.cur.length;
  const pts: Correspondences = { src: new Float64Array(2 * m), dst: new Float64Array(2 * m) };
  for (let i = 0; i < m; i++) {
    pts.src[2 * i] = cur.x[matches.cur[i]];
    pts.src[2 * i + 1] = cur.y[matches.cur[i]];
    pts.dst[2 * i] = prev.x[matches.prev[i]];
    pts.dst[2 * i + 1] = prev.y[matches.prev[i]];
  }
  return pts;
}

function failed(model: ModelKind, flags: string[], extra: Partial<PairResult> = {}): PairResult {
  return { ok: false, model, matrix: IDENTITY, matches: 0, inliers: 0, inlierRatio: 0, residualPx: 0, flags, ...extra };
}

export async function alignPair(prev: SliceFeatures, cur: SliceFeatures, params: Partial<AlignParams> = {}): Promise<PairResult> {
  const p = resolveAlignParams(params);
  const ransacKind: ModelKind = p.expectedModel === "auto" ? "affine" : p.expectedModel;
  if (prev.width !== cur.width || prev.height !== cur.height) return failed(ransacKind, ["size-mismatch"]);
  if (Math.min(prev.count, cur.count) < MIN_POINTS[ransacKind]) return failed(ransacKind, ["no-features"]);
  const opts = { maxEpsilon: p.maxEpsilon, iterations: p.ransacIterations, seed: p.seed, maxTrust: p.maxTrust };
  const needed = Math.max(p.minNumInliers, MIN_POINTS[ransacKind]);
  let matches: Matches | undefined;
  if (p.coarseFeatures > 0 && Math.min(prev.count, cur.count) > p.coarseFeatures) {
    // Coarse estimate from the strongest keypoints, then guided matching of all of them (guided-match.ts).
    // Any doubt about the coarse estimate falls back to brute-force matching of everything.
    const coarse = await matchFeatures(prev, cur, p.rod, p.coarseFeatures);
    const fit = coarse.cur.length >= needed ? ransac(ransacKind, correspondences(prev, cur, coarse), opts) : undefined;
    if (
      fit &&
      fit.inliers.length >= needed &&
      fit.inliers.length >= p.minInlierRatio * coarse.cur.length &&
      plausibilityFlags(fit.matrix, cur.width, cur.height, p).length === 0
    ) {
      const guided = guidedMatch(prev, cur, fit.matrix, p.maxEpsilon, p.rod);
      if (guided.cur.length >= needed) matches = guided;
    }
  }
  matches ??= await matchFeatures(prev, cur, p.rod);
  const m = matches.cur.length;
  if (m < needed) return failed(ransacKind, ["too-few-matches"], { matches: m });
  const pts = correspondences(prev, cur, matches);
  const fit: FitResult | undefined = ransac(ransacKind, pts, opts);
  if (!fit) return failed(ransacKind, ["too-few-inliers"], { matches: m });
  let kind = fit.kind;
  let matrix = fit.matrix;
  let rms = fit.rms;
  if (p.expectedModel === "auto") {
    const choice = chooseModel(fit.matrix, pts, fit.inliers, p.modelTolerancePx);
    kind = choice.kind;
    matrix = choice.matrix;
    rms = choice.rms;
  }
  const inliers = fit.inliers.length;
  const result: PairResult = { ok: true, model: kind, matrix, matches: m, inliers, inlierRatio: inliers / m, residualPx: rms, flags: [], sample: encodeSample(sampleInliers(pts, fit.inliers)) };
  if (inliers < p.minNumInliers) result.flags.push("too-few-inliers");
  if (result.inlierRatio < p.minInlierRatio) result.flags.push("low-inlier-ratio");
  result.flags.push(...plausibilityFlags(matrix, cur.width, cur.height, p));
  result.ok = result.flags.length === 0;
  return result;
}
