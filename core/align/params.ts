// Alignment parameters. The features are AKAZE or SIFT (`detector`, features.ts); the matching and model settings keep the names
// of Fiji's "Register Virtual Stack Slices" dialog (rod, maxEpsilon, minInlierRatio, minNumInliers,
// expectedModel), so settings carry over from Fiji.
// Every field is optional at the call site; `resolveAlignParams` fills the defaults.

import type { Detector } from "./descriptors.js";

export type ModelKind = "translation" | "rigid" | "affine";

export interface AlignParams {
  /** Longer side (px) of the downsampled copy features are found on (integer box factor). */
  maxSize: number;
  /** Lowe's ratio: keep a match when best < rod * second best (Fiji default 0.92). */
  rod: number;
  /** RANSAC inlier threshold in full-resolution pixels. */
  maxEpsilon: number;
  /** Minimum inliers / matches. */
  minInlierRatio: number;
  minNumInliers: number;
  /** "auto" picks the simplest model that explains the inliers (see choose-model.ts). */
  expectedModel: "auto" | ModelKind;
  /** Keypoint detector: "akaze" (binary descriptors, Hamming) or "sift" (OpenCV's defaults, float descriptors, L2). */
  detector: Detector;
  /**
   * Take vertical stripes fixed in the frame (curtaining) out of the copy features are found on (destripe.ts:
   * only what the slice's horizontal bands agree on). On by default: on stacks without stripes it costs no
   * accuracy (BENCHMARKS.md, "Destripe").
   */
  destripe: boolean;
  /** AKAZE detector threshold (OpenCV default 0.001). */
  akazeThreshold: number;
  /** Keep at most this many keypoints per slice (strongest response first); bounds matching time. */
  maxFeatures: number;
  /**
   * Coarse-to-fine matching: match only the strongest `coarseFeatures` keypoints first, fit, then match
   * every keypoint among the neighbours of its predicted position (guided-match.ts). 0 = brute force only.
   * The coarse fit needs only minNumInliers good matches; 500 gives ~370 on sample tissue, and the brute-force
   * kNN costs the square of it (OpenCV.js, one core: 1500 -> ~75 ms, 500 -> ~9 ms; BENCHMARKS.md, alignment).
   */
  coarseFeatures: number;
  /** A pair whose translation at the image centre exceeds this fraction of the longer side is implausible. */
  maxShiftFraction: number;
  /** A pair whose singular values leave [1 - maxScaleDeviation, 1 + maxScaleDeviation] is implausible. */
  maxScaleDeviation: number;
  /** "auto": a simpler model may move the inliers by at most this RMS (px) vs the affine (choose-model.ts). */
  modelTolerancePx: number;
  /** Fiji's maxTrust: after RANSAC, inliers with residual > maxTrust * mean residual are trimmed. */
  maxTrust: number;
  /** RANSAC iterations per model. */
  ransacIterations: number;
  /** Seed of the RANSAC sampler: the same inputs always give the same transform. */
  seed: number;
}

export const DEFAULT_ALIGN_PARAMS: AlignParams = {
  maxSize: 1024,
  rod: 0.92,
  maxEpsilon: 25,
  minInlierRatio: 0.05,
  minNumInliers: 20,
  expectedModel: "auto",
  detector: "akaze",
  destripe: true,
  akazeThreshold: 0.001,
  maxFeatures: 6000,
  coarseFeatures: 500,
  maxShiftFraction: 0.25,
  maxScaleDeviation: 0.1,
  modelTolerancePx: 0.05,
  maxTrust: 4,
  ransacIterations: 1000,
  seed: 1,
};

export function resolveAlignParams(params: Partial<AlignParams> = {}): AlignParams {
  const out: AlignParams = { ...DEFAULT_ALIGN_PARAMS };
  for (const key of Object.keys(DEFAULT_ALIGN_PARAMS) as Array<keyof AlignParams>) {
    const value = params[key];
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  }
  return out;
}
