// Descriptor matching with Lowe's ratio test (Fiji's "rod"): for each keypoint of slice z, its two nearest
// descriptors of slice z-1 (Hamming distance for AKAZE's binary MLDB descriptors, L2 for SIFT's floats:
// descriptors.ts); keep the pair when best < rod * second. A keypoint of slice z-1 claimed by several
// keypoints of slice z is ambiguous and all its matches are dropped. Brute force in native OpenCV
// (BFMatcher; core/align/opencv.ts). Features of different detectors are refused, never matched.
import { assertComparable, knnMatch2 } from "./descriptors.js";
import type { SliceFeatures } from "./features.js";

export interface Matches {
  /** Index into the current slice's (z) features. */
  cur: Int32Array;
  /** Index into the previous slice's (z-1) features. */
  prev: Int32Array;
}

/**
 * `limit` uses only the first `limit` keypoints of each slice (extractFeatures stores them strongest
 * first), for a quick coarse estimate.
 */
export async function matchFeatures(prev: SliceFeatures, cur: SliceFeatures, rod: number, limit = Infinity): Promise<Matches> {
  const none: Matches = { cur: new Int32Array(0), prev: new Int32Array(0) };
  assertComparable(prev, cur);
  const np = Math.min(prev.count, limit);
  const nc = Math.min(cur.count, limit);
  if (np < 2 || nc < 1) return none;
  const knn = knnMatch2(cur, nc, prev, np);
  const found: { q: number[]; t: number[] } = { q: [], t: [] };
  for (let i = 0; i < nc; i++) {
    const best = knn.trainIdx[2 * i];
    if (best < 0 || knn.trainIdx[2 * i + 1] < 0) continue;
    if (knn.distance[2 * i] < rod * knn.distance[2 * i + 1]) {
      found.q.push(i);
      found.t.push(best);
    }
  }
  return uniqueClaims(found.q, found.t, np);
}

/**
 * The matches (cur[i], prev[i]) whose keypoint of slice z-1 no other match claims: one claimed by several
 * keypoints of slice z is ambiguous, and all its matches are dropped. Order is kept.
 */
export function uniqueClaims(cur: readonly number[], prev: readonly number[], prevCount: number): Matches {
  const claims = new Int32Array(prevCount);
  for (const j of prev) claims[j]++;
  const keep = prev.map((j) => claims[j] === 1);
  const n = keep.filter(Boolean).length;
  const out: Matches = { cur: new Int32Array(n), prev: new Int32Array(n) };
  let k = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    out.cur[k] = cur[i];
    out.prev[k] = prev[i];
    k++;
  }
  return out;
}
