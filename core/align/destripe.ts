// Vertical stripes fixed in the image frame (FIB-SEM curtaining) match themselves at zero shift in every
// pair and pull the fit toward the identity. Before features are found, each column of the downsampled copy
// is offset by the part of its stripe profile that the horizontal bands of the slice agree on
// (align.destripe, on by default):
// - the copy is cut into `bands` bands of whole rows (DESTRIPE_BANDS; fewer when the copy is short, each at
//   least DESTRIPE_MIN_BAND_ROWS rows; with fewer than 2 bands nothing is changed);
// - in band b, p_b[x] = median(band b of column x) - the mean of those medians within +-DESTRIPE_RADIUS
//   columns (the high-pass of the column medians; medians, so that a blank region does not make a band;
//   interpolated within the gray level, so that the profile moves smoothly with the content);
// - m[x] = mean over the bands of p_b[x]; s = the median over the columns of the bands' variance of p_b[x]
//   (columns blank in every band left out), the spread of a column that has no stripe;
// - threshold t = consensus * sqrt(s / bands) (DESTRIPE_CONSENSUS standard errors of m), and
//   offset[x] = sign(m) * max(0, |m| - t) (soft threshold); every pixel of column x moves by -round(offset[x]).
// Curtaining runs the whole height of the image, so every band sees the same offset: m is the stripe, and
// it is taken out less t (about two thirds of a +-14 gray stripe pattern on the sample tissue, enough that
// it no longer pulls pairs toward the identity). The tissue's own column medians differ from band to band,
// and a column whose mean is within t of zero is left exactly as it is (on the 512^2 sample tissue, 60-66%
// of the columns). Taking the whole column's profile out (one band, no threshold; or 4 bands with no
// threshold) changed every column by its noise and cost accuracy on stacks without stripes (BENCHMARKS.md,
// "Destripe"). Limits: a stripe that does not run the whole height is taken out only in part, where the
// bands agree (of a stripe over the top half of the copy, less than 40%); a straight vertical edge that crosses
// the whole copy (a blank half) is softened within +-DESTRIPE_RADIUS columns of it; tissue whose own
// structure runs the whole height (the sample tissue's jittered grid of cells) loses part of it from the
// copy. Only the feature copy is changed, never the output.
import type { Gray8 } from "../image/gray.js";

/** Columns on either side of the window that the stripe profile is taken against. */
export const DESTRIPE_RADIUS = 12;
/** Horizontal bands whose column profiles must agree on a stripe. */
export const DESTRIPE_BANDS = 4;
/** Fewest rows a band may have; a shorter copy gets fewer bands. */
export const DESTRIPE_MIN_BAND_ROWS = 16;
/** How many standard errors of the band mean a column's profile must exceed to count as a stripe. */
export const DESTRIPE_CONSENSUS = 1.25;

export interface DestripeRule {
  bands: number;
  consensus: number;
}

export const DESTRIPE_RULE: DestripeRule = { bands: DESTRIPE_BANDS, consensus: DESTRIPE_CONSENSUS };

/** Median of rows [y0, y1) of every column, interpolated within its gray level (grouped-data median). */
function columnMedians(img: Gray8, y0: number, y1: number, hist: Uint32Array): Float64Array {
  const { width, data } = img;
  hist.fill(0);
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) hist[256 * x + data[row + x]]++;
  }
  const medians = new Float64Array(width);
  const half = (y1 - y0) / 2;
  for (let x = 0; x < width; x++) {
    let seen = 0;
    let v = 0;
    while (v < 255 && seen + hist[256 * x + v] <= half) seen += hist[256 * x + v++];
    const here = hist[256 * x + v];
    medians[x] = here > 0 ? v - 0.5 + (half - seen) / here : v;
  }
  return medians;
}

/** medians[x] minus the mean of medians within +-DESTRIPE_RADIUS columns (clipped at the image edge). */
function highPass(medians: Float64Array): Float64Array {
  const width = medians.length;
  const prefix = new Float64Array(width + 1);
  for (let x = 0; x < width; x++) prefix[x + 1] = prefix[x] + medians[x];
  const out = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const [a, b] = [Math.max(0, x - DESTRIPE_RADIUS), Math.min(width, x + DESTRIPE_RADIUS + 1)];
    out[x] = medians[x] - (prefix[b] - prefix[a]) / (b - a);
  }
  return out;
}

/** Per column, the stripe offset the bands agree on, in gray levels (0 where they do not; all 0 for a copy too short for 2 bands). */
export function stripeProfile(img: Gray8, rule: DestripeRule = DESTRIPE_RULE): Float64Array {
  const { width, height } = img;
  const k = Math.min(rule.bands, Math.floor(height / DESTRIPE_MIN_BAND_ROWS));
  const offset = new Float64Array(width);
  if (k < 2 || width === 0) return offset;
  const hist = new Uint32Array(256 * width);
  const sum = new Float64Array(width);
  const squares = new Float64Array(width);
  for (let b = 0; b < k; b++) {
    const profile = highPass(columnMedians(img, Math.floor((b * height) / k), Math.floor(((b + 1) * height) / k), hist));
    for (let x = 0; x < width; x++) {
      sum[x] += profile[x];
      squares[x] += profile[x] * profile[x];
    }
  }
  const mean = sum.map((s) => s / k);
  const variance = Float64Array.from(squares, (q, x) => Math.max(0, (q - k * mean[x] * mean[x]) / (k - 1)))
    .filter((v) => v > 0)
    .sort();
  const threshold = variance.length === 0 ? 0 : rule.consensus * Math.sqrt(variance[Math.floor(variance.length / 2)] / k);
  for (let x = 0; x < width; x++) offset[x] = Math.sign(mean[x]) * Math.max(0, Math.abs(mean[x]) - threshold);
  return offset;
}

/** The copy with its stripes taken out (a new image), or `img` itself when there is nothing to take out. */
export function destripe(img: Gray8, rule: DestripeRule = DESTRIPE_RULE): Gray8 {
  const { width, height, data } = img;
  const offset = Int16Array.from(stripeProfile(img, rule), (o) => Math.round(o));
  if (offset.every((o) => o === 0)) return img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = Math.max(0, Math.min(255, data[row + x] - offset[x]));
  }
  return { width, height, data: out };
}
