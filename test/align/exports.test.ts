// Pins the public surface of core/align and core/sample (HOUSE-STYLE: one index of named exports).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as align from "../../core/align/index.js";
import * as sample from "../../core/sample/index.js";

test("core/align exports", () => {
  assert.deepEqual(Object.keys(align).sort(), [
    "AlignmentFailedError", "DEFAULT_ALIGN_PARAMS", "FEATURE_CODEC_VERSION", "MAX_LISTED", "MAX_SAMPLE", "SOLVE_DEFAULTS", "WEAK_RULE", "addToHistogram16", "alignPair",
    "alignmentProblems", "boundingBox", "boundsFromHistogram", "bridgePairs", "checkAlignment", "chooseModel", "clahe", "connectedParts",
    "decodeFeatures", "decodeSample", "encodeFeatures", "encodeSample", "extractFeatures", "failedShareExceeded", "failureOf", "featureFactor", "fitModel",
    "guidedMatch", "inverseMap", "matchFeatures", "openCv", "pairReason", "planTransforms", "plausibilityFlags", "ransac",
    "resolveAlignParams", "rmsResidual", "sampleInliers", "singularValues", "solveParams", "solvePlan", "solvePoses", "toFullResolution", "warpToBox", "weakPairs", "windowBetween", "windowBounds", "windowTo8",
  ]);
});

test("core/sample exports", () => {
  assert.deepEqual(Object.keys(sample).sort(), ["DEFAULT_TISSUE", "generateSampleStack", "planSampleStack", "renderTissue", "stepAbout"]);
});

test("openCv loads the native addon once, built from the same OpenCV as the oracle", () => {
  const cv = align.openCv();
  assert.equal(align.openCv(), cv);
  assert.equal(cv.opencvVersion, "4.12.0");
});
