export { alignPair, plausibilityFlags, singularValues, type PairResult } from "./align-pair.js";
export { chooseModel, type ModelChoice } from "./choose-model.js";
export { decodeFeatures, encodeFeatures, FEATURE_CODEC_VERSION } from "./feature-codec.js";
export { extractFeatures, featureFactor, toFullResolution, type Detector, type SliceFeatures } from "./features.js";
export { guidedMatch } from "./guided-match.js";
export { matchFeatures, type Matches } from "./match.js";
export { fitModel, rmsResidual, type Correspondences } from "./models.js";
export { openCv, type OpenCv } from "./opencv.js";
export { DEFAULT_ALIGN_PARAMS, resolveAlignParams, type AlignParams, type ModelKind } from "./params.js";
export {
  boundingBox,
  failureOf,
  planTransforms,
  type AlignedPair,
  type PairFailure,
  type PairLike,
  type StandIn,
  type TransformPlan,
} from "./plan-transforms.js";
export { bridgePairs } from "./bridge-pairs.js";
export { WEAK_RULE, weakPairs, type WeakRule } from "./weak-pairs.js";
export { connectedParts, solvePoses, type PoseSolution, type SolveModel, type SolveOptions, type SolvePair } from "./global-solve.js";
export { decodeSample, encodeSample, MAX_SAMPLE, sampleInliers } from "./inlier-sample.js";
export { SOLVE_DEFAULTS, solveParams, solvePlan, type SolvedPlan, type SolvePlanParams } from "./solve-plan.js";
export {
  alignmentProblems,
  AlignmentFailedError,
  checkAlignment,
  failedShareExceeded,
  MAX_LISTED,
  type AlignmentOutcome,
  type AlignPolicy,
} from "./alignment-policy.js";
export { pairReason } from "./pair-reason.js";
export { ransac, type FitResult, type RansacOptions } from "./ransac.js";
export { clahe, inverseMap, warpToBox } from "./warp.js";
export { addToHistogram16, boundsFromHistogram, windowBetween, windowBounds, windowTo8, type Gray16Like } from "./window.js";
