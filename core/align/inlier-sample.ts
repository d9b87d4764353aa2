// A bounded sample of a pair's inlier point pairs, kept with the pair's outcome for the global solve
// (global-solve.ts). At most MAX_SAMPLE points, chosen evenly over the inliers in their match order (the
// same inputs give the same sample). Stored as base64 of little-endian float32 [sx, sy, dx, dy] per point:
// s in slice `to`, d in slice `from`, full-resolution px (float32 holds 10^4 px to ~0.001 px).
// Bytes per pair: 16 per point, 1024 for 64 points, 1368 as base64 text in the task document.
import type { Correspondences } from "./models.js";

export const MAX_SAMPLE = 64;

/** Float32 [sx, sy, dx, dy] per point for up to `max` of the `inliers` (indices into `pts`). */
export function sampleInliers(pts: Correspondences, inliers: ArrayLike<number>, max = MAX_SAMPLE): Float32Array {
  const m = Math.min(max, inliers.length);
  const out = new Float32Array(4 * m);
  for (let i = 0; i < m; i++) {
    const k = inliers[Math.floor((i * inliers.length) / m)];
    out.set([pts.src[2 * k], pts.src[2 * k + 1], pts.dst[2 * k], pts.dst[2 * k + 1]], 4 * i);
  }
  return out;
}

/** A sample's point pairs back as Correspondences (float64), s as `src` and d as `dst`: the inverse of sampleInliers. */
export function sampleCorrespondences(points: Float32Array): Correspondences {
  const m = points.length / 4;
  const c = { src: new Float64Array(2 * m), dst: new Float64Array(2 * m) };
  for (let i = 0; i < m; i++) {
    c.src.set([points[4 * i], points[4 * i + 1]], 2 * i);
    c.dst.set([points[4 * i + 2], points[4 * i + 3]], 2 * i);
  }
  return c;
}

export function encodeSample(points: Float32Array): string {
  const bytes = new Uint8Array(points.length * 4);
  const view = new DataView(bytes.buffer);
  points.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return Buffer.from(bytes).toString("base64");
}

/** The points of an encoded sample; a RangeError when the text is not one (a length not of whole points). */
export function decodeSample(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 16 !== 0 || bytes.length > 16 * MAX_SAMPLE) throw new RangeError(`inlier sample of ${bytes.length} bytes is not up to ${MAX_SAMPLE} points of 16 bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}
