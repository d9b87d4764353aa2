// Vertical stripes fixed in the image frame (FIB-SEM curtaining) match themselves at zero shift in every
// pair and pull the fit toward the identity. Before features are found, each column of the downsampled copy
// is offset by the high-pass part of the column medians: profile[x] = median(column x) - mean of the medians
// within +-RADIUS columns, and every pixel of column x moves by -profile[x]. Stripes narrower than the
// window vanish; content that moves with the sample changes the medians only slightly. Medians, not means,
// so that a blank region does not make a band at its edge. Only the feature copy is changed, never the
// output.
import type { Gray8 } from "../image/gray.js";

/** Columns on either side of the window that the stripe profile is taken against. */
export const DESTRIPE_RADIUS = 12;

function columnMedians(img: Gray8): Float64Array {
  const { width, height, data } = img;
  const hist = new Uint32Array(256 * width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) hist[256 * x + data[row + x]]++;
  }
  const medians = new Float64Array(width);
  const half = height / 2;
  for (let x = 0; x < width; x++) {
    let seen = 0;
    let v = 0;
    while (v < 255 && seen + hist[256 * x + v] <= half) seen += hist[256 * x + v++];
    medians[x] = v;
  }
  return medians;
}

export function destripe(img: Gray8): Gray8 {
  const { width, height, data } = img;
  if (width === 0 || height === 0) return img;
  const medians = columnMedians(img);
  const prefix = new Float64Array(width + 1);
  for (let x = 0; x < width; x++) prefix[x + 1] = prefix[x] + medians[x];
  const offset = new Int16Array(width);
  for (let x = 0; x < width; x++) {
    const [a, b] = [Math.max(0, x - DESTRIPE_RADIUS), Math.min(width, x + DESTRIPE_RADIUS + 1)];
    offset[x] = Math.round(medians[x] - (prefix[b] - prefix[a]) / (b - a));
  }
  if (offset.every((o) => o === 0)) return img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = Math.max(0, Math.min(255, data[row + x] - offset[x]));
  }
  return { width, height, data: out };
}
