// Why a pair failed, in words, with the settings that decide it (the flags of align-pair.ts). One line, no
// slice names (they may hold anything, newlines included): slices are named by their z.
import type { AlignConfig } from "../config.js";
import type { PairFailure } from "./plan-transforms.js";

interface Reason {
  text: string;
  /** Config fields (as they are written in ingest.json) that could make this pair align. */
  settings: string[];
}

function reasonFor(flag: string, f: PairFailure, c: AlignConfig): Reason {
  switch (flag) {
    case "no-features":
      return { text: "no-features: a slice has too few keypoints (blank, constant or featureless)", settings: [] };
    case "too-few-matches":
      return {
        text: `too-few-matches: ${f.matches} ratio-test matches (align.rod ${c.rod}), fewer than align.minNumInliers ${c.minNumInliers}`,
        settings: ["align.rod", "align.minNumInliers"],
      };
    case "too-few-inliers":
      return {
        text: `too-few-inliers: ${f.inliers} of ${f.matches} matches within align.maxEpsilon ${c.maxEpsilon} px, fewer than align.minNumInliers ${c.minNumInliers}`,
        settings: ["align.maxEpsilon", "align.minNumInliers"],
      };
    case "low-inlier-ratio": {
      const ratio = f.matches > 0 ? (f.inliers / f.matches).toFixed(3) : "0";
      return {
        text: `low-inlier-ratio: ${f.inliers} of ${f.matches} matches are inliers (${ratio}), below align.minInlierRatio ${c.minInlierRatio}`,
        settings: ["align.minInlierRatio", "align.maxEpsilon"],
      };
    }
    case "implausible-shift":
      return { text: "implausible-shift: the fit moves the slice centre by more than a quarter of the slice (wrong matches, or slices that hardly overlap)", settings: [] };
    case "implausible-scale":
      return { text: "implausible-scale: the fit scales the slice by more than 10% or mirrors it (wrong matches)", settings: [] };
    case "size-mismatch":
      return { text: "size-mismatch: the slices differ in size", settings: [] };
    case "no-result":
      return { text: "no alignment was recorded", settings: [] };
    default:
      return { text: flag, settings: [] };
  }
}

/** "too-few-inliers: 3 of 250 matches within align.maxEpsilon 0.01 px, ..."; several flags joined by "; ". */
export function pairReason(f: PairFailure, config: AlignConfig): Reason {
  const reasons = f.flags.map((flag) => reasonFor(flag, f, config));
  return { text: reasons.map((r) => r.text).join("; "), settings: [...new Set(reasons.flatMap((r) => r.settings))] };
}
