// Guided matching: once a coarse transform G (cur -> prev) is known, each keypoint of slice z is compared
// only with the keypoints of slice z-1 within `radius` full-resolution px of G(x). Lowe's ratio test
// (rod) runs among those candidates; a lone candidate is accepted (RANSAC judges it). Keypoints of slice
// z-1 claimed more than once are dropped (match.ts uniqueClaims). Distances in plain JS (descriptors.ts:
// Hamming by SWAR popcount for AKAZE, L2 for SIFT).
import type { Affine } from "../geometry/affine.js";
import { assertComparable, descriptorDistance } from "./descriptors.js";
import type { SliceFeatures } from "./features.js";
import { uniqueClaims, type Matches } from "./match.js";

export function guidedMatch(prev: SliceFeatures, cur: SliceFeatures, predict: Affine, radius: number, rod: number): Matches {
  const none: Matches = { cur: new Int32Array(0), prev: new Int32Array(0) };
  assertComparable(prev, cur);
  if (prev.count === 0 || cur.count === 0 || !(radius > 0)) return none;
  const distance = descriptorDistance(prev, cur);
  // Bucket slice z-1 keypoints on a grid of `radius` cells (counting sort into one index array).
  const cols = Math.max(1, Math.ceil(prev.width / radius) + 1);
  const rows = Math.max(1, Math.ceil(prev.height / radius) + 1);
  const cellOf = (x: number, y: number) => {
    const cx = Math.floor(x / radius);
    const cy = Math.floor(y / radius);
    return cx < 0 || cy < 0 || cx >= cols || cy >= rows ? -1 : cy * cols + cx;
  };
  const start = new Int32Array(cols * rows + 1);
  for (let j = 0; j < prev.count; j++) {
    const c = cellOf(prev.x[j], prev.y[j]);
    if (c >= 0) start[c + 1]++;
  }
  for (let c = 0; c < cols * rows; c++) start[c + 1] += start[c];
  const fill = start.slice(0, cols * rows);
  const members = new Int32Array(start[cols * rows]);
  for (let j = 0; j < prev.count; j++) {
    const c = cellOf(prev.x[j], prev.y[j]);
    if (c >= 0) members[fill[c]++] = j;
  }
  const [a, b, c0, d, e, f] = predict;
  const r2 = radius * radius;
  const q: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < cur.count; i++) {
    const px = a * cur.x[i] + b * cur.y[i] + c0;
    const py = d * cur.x[i] + e * cur.y[i] + f;
    const gx = Math.floor(px / radius);
    const gy = Math.floor(py / radius);
    let best = Infinity;
    let second = Infinity;
    let bestJ = -1;
    for (let cy = Math.max(0, gy - 1); cy <= Math.min(rows - 1, gy + 1); cy++) {
      for (let cx = Math.max(0, gx - 1); cx <= Math.min(cols - 1, gx + 1); cx++) {
        const cell = cy * cols + cx;
        for (let m = start[cell]; m < start[cell + 1]; m++) {
          const j = members[m];
          const dx = prev.x[j] - px;
          const dy = prev.y[j] - py;
          if (dx * dx + dy * dy > r2) continue;
          const dist = distance(i, j);
          if (dist < best) {
            second = best;
            best = dist;
            bestJ = j;
          } else if (dist < second) {
            second = dist;
          }
        }
      }
    }
    if (bestJ >= 0 && best < rod * second) {
      q.push(i);
      t.push(bestJ);
    }
  }
  return uniqueClaims(q, t, prev.count);
}
