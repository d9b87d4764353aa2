// The alignment policy's refusal (core/align/alignment-policy.ts): a permanent error whose message is a
// headline, one line per failed pair with its reason and settings, and a line that says what to change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AlignmentFailedError, checkAlignment, MAX_LISTED, type AlignmentOutcome, type PairFailure } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { PermanentError } from "../../core/errors.js";

const align = DEFAULT_CONFIG.align;
const adjacent = (n: number, flags: string[], extra: Partial<PairFailure> = {}): PairFailure[] =>
  Array.from({ length: n - 1 }, (_, i) => ({ from: i, to: i + 1, flags, matches: 250, inliers: 3, ...extra }));

function refusal(o: AlignmentOutcome, config = align): AlignmentFailedError {
  try {
    checkAlignment("run-x", o, config);
  } catch (error) {
    assert.ok(error instanceof AlignmentFailedError && error instanceof PermanentError);
    return error;
  }
  assert.fail("the policy accepted the outcome");
}

test("every pair failed with too few inliers: one line per pair, and the settings that decide it are named", () => {
  const failed = adjacent(8, ["too-few-inliers"]);
  const error = refusal({ n: 8, firstZ: 100, failedAdjacent: failed, failed, bad: [0, 1, 2, 3, 4, 5, 6, 7], parts: [] }, { ...align, maxEpsilon: 0.01 });
  const lines = error.message.split("\n");
  assert.deepEqual(lines, [
    "run run-x: alignment failed: 7 of 7 pairs (z-1, z) failed (100.0%), more than align.maxFailedPairShare 0.1 allows; no pair aligned at all",
    ...failed.map((f) => `  pair (${100 + f.from}, ${100 + f.to}): too-few-inliers: 3 of 250 matches within align.maxEpsilon 0.01 px, fewer than align.minNumInliers 20`),
    "to go on: loosen align.maxEpsilon or align.minNumInliers (see the reasons above), or stack the slices unaligned with skipAlign (--skip-align); a changed setting is a new run, with an output of its own",
  ]);
});

test("noise: too few matches names the ratio test and the inlier count", () => {
  const failed = adjacent(4, ["too-few-matches"], { matches: 5, inliers: 0 });
  const error = refusal({ n: 4, firstZ: 0, failedAdjacent: failed, failed, bad: [0, 1, 2, 3], parts: [] });
  assert.match(error.message, /\n {2}pair \(0, 1\): too-few-matches: 5 ratio-test matches \(align\.rod 0\.92\), fewer than align\.minNumInliers 20\n/);
  assert.match(error.message, /to go on: loosen align\.rod or align\.minNumInliers/);
});

test("constant slices: no setting helps, so only unaligned stacking is offered", () => {
  const failed = adjacent(3, ["no-features"], { matches: 0, inliers: 0 });
  const error = refusal({ n: 3, firstZ: 0, failedAdjacent: failed, failed, bad: [0, 1, 2], parts: [] });
  assert.match(error.message, /pair \(1, 2\): no-features: a slice has too few keypoints \(blank, constant or featureless\)/);
  assert.match(error.message, /\nto go on: stack the slices unaligned with skipAlign \(--skip-align\); a changed setting/);
});

test("a share over the limit with good slices left: accepting the bad slices is offered", () => {
  const failed = [{ from: 3, to: 4, flags: ["no-features"], matches: 0, inliers: 0 }, { from: 4, to: 5, flags: ["no-features"], matches: 0, inliers: 0 }];
  const error = refusal({ n: 8, firstZ: 0, failedAdjacent: failed, failed, bad: [4], parts: [[0, 1, 2, 3], [5, 6, 7]] });
  assert.match(error.message, /^run run-x: alignment failed: 2 of 7 pairs \(z-1, z\) failed \(28\.6%\), more than align\.maxFailedPairShare 0\.1 allows\n/);
  assert.match(error.message, /accept the bad slices with align\.maxFailedPairShare \(--max-failed-pair-share\) and align\.maxConsecutiveBad \(--max-consecutive-bad\)/);
  // Under a share of 0.3 the same outcome (with its bridges in one part) is accepted.
  assert.doesNotThrow(() => checkAlignment("run-x", { n: 8, firstZ: 0, failedAdjacent: failed, failed, bad: [4], parts: [[0, 1, 2, 3, 5, 6, 7]] }, { ...align, maxFailedPairShare: 0.3 }));
});

test("the list stops at MAX_LISTED pairs and counts the rest", () => {
  const n = MAX_LISTED + 11;
  const failed = adjacent(n, ["low-inlier-ratio"], { matches: 1000, inliers: 40 });
  const error = refusal({ n, firstZ: 0, failedAdjacent: failed, failed, bad: [], parts: [Array.from({ length: n }, (_, i) => i)] });
  const lines = error.message.split("\n");
  assert.equal(lines.length, 1 + MAX_LISTED + 1 + 1);
  assert.equal(lines[MAX_LISTED], `  pair (${MAX_LISTED - 1}, ${MAX_LISTED}): low-inlier-ratio: 40 of 1000 matches are inliers (0.040), below align.minInlierRatio 0.05`);
  assert.equal(lines[MAX_LISTED + 1], "  ... and 10 more failed pairs");
});

test("an accepted outcome does not throw", () => {
  assert.doesNotThrow(() => checkAlignment("run-x", { n: 1, firstZ: 0, failedAdjacent: [], failed: [], bad: [], parts: [[0]] }, align));
  assert.doesNotThrow(() => checkAlignment("run-x", { n: 40, firstZ: 0, failedAdjacent: [], failed: [], bad: [], parts: [Array.from({ length: 40 }, (_, i) => i)] }, align));
});
