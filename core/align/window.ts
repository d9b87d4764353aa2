// 16-bit -> 8-bit by a percentile window, of one slice or of pooled slices (core/pipeline/stack-window.ts).
// With the N pixel values sorted ascending (s[0] .. s[N-1]):
//   lo = s[floor(lowPercentile / 100 * (N - 1))],  hi = s[ceil(highPercentile / 100 * (N - 1))]
//   out(v) = clamp(round_half_up(255 * (v - lo) / (hi - lo)), 0, 255)
// computed exactly in integers. When hi == lo: out = 0 for v <= lo and 255 above.
import type { Gray8 } from "../image/gray.js";

export interface Gray16Like {
  width: number;
  height: number;
  data: Uint16Array;
}

/** The nearest-rank value at `rank` (0-based) from a 65536-bin histogram. */
function valueAtRank(hist: ArrayLike<number>, rank: number): number {
  let cum = 0;
  for (let v = 0; v < hist.length; v++) {
    cum += hist[v];
    if (cum > rank) return v;
  }
  return hist.length - 1;
}

function checkPercentiles(lowPercentile: number, highPercentile: number): void {
  if (!(lowPercentile >= 0 && highPercentile <= 100 && lowPercentile <= highPercentile)) {
    throw new RangeError(`windowTo8: need 0 <= low <= high <= 100, got ${lowPercentile}, ${highPercentile}`);
  }
}

/**
 * Adds the pixels of `img` to a 65536-bin histogram. Float64 counts: a stack-wide histogram of many large
 * slices passes 2^32 pixels.
 */
export function addToHistogram16(hist: Float64Array, img: Gray16Like): void {
  const d = img.data;
  for (let i = 0; i < d.length; i++) hist[d[i]]++;
}

/** The window's [lo, hi] from a histogram of `n` pixels, by the nearest-rank rule above. */
export function boundsFromHistogram(hist: ArrayLike<number>, n: number, lowPercentile = 0.5, highPercentile = 99.5): [number, number] {
  checkPercentiles(lowPercentile, highPercentile);
  if (n === 0) return [0, 0];
  return [valueAtRank(hist, Math.floor((lowPercentile / 100) * (n - 1))), valueAtRank(hist, Math.ceil((highPercentile / 100) * (n - 1)))];
}

export function windowBounds(img: Gray16Like, lowPercentile = 0.5, highPercentile = 99.5): [number, number] {
  checkPercentiles(lowPercentile, highPercentile);
  const hist = new Float64Array(65536);
  addToHistogram16(hist, img);
  return boundsFromHistogram(hist, img.data.length, lowPercentile, highPercentile);
}

/** Maps 16-bit values to 8 bits between fixed bounds (lo -> 0, hi -> 255). */
export function windowBetween(img: Gray16Like, lo: number, hi: number): Gray8 {
  const lut = new Uint8Array(65536);
  const span = hi - lo;
  for (let v = 0; v < 65536; v++) {
    if (v <= lo) lut[v] = 0;
    else if (v >= hi) lut[v] = 255;
    else lut[v] = Math.floor((510 * (v - lo) + span) / (2 * span));
  }
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = lut[img.data[i]];
  return { width: img.width, height: img.height, data: out };
}

export function windowTo8(img: Gray16Like, lowPercentile = 0.5, highPercentile = 99.5): Gray8 {
  const [lo, hi] = windowBounds(img, lowPercentile, highPercentile);
  return windowBetween(img, lo, hi);
}
