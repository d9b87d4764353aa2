// Keypoints and descriptors of one slice, found once and reused by both pairs (z-1, z) and (z, z+1).
// Detection runs on an integer box-downsampled copy (longer side <= maxSize); coordinates are stored in
// full-resolution pixels. A downsampled pixel i covers full pixels f*i .. f*i+f-1, so its centre is
// f*i + (f-1)/2 (pixel centres on integers, core/image/gray.ts). The detector is align.detector: AKAZE
// (default) or SIFT (sift.ts); `detector` records which, and descriptors.ts never compares two kinds.
import type { Gray8 } from "../image/gray.js";
import { DESCRIPTOR_BYTES, type Detector } from "./descriptors.js";
import { destripe } from "./destripe.js";
import { downsampleForFeatures } from "./downsample.js";
import { openCv } from "./opencv.js";
import { resolveAlignParams, type AlignParams } from "./params.js";
import { siftKeypoints } from "./sift.js";

export type { Detector };

export interface SliceFeatures {
  detector: Detector;
  /** Full-resolution size of the slice. */
  width: number;
  height: number;
  /** Box factor of the copy that features were found on. */
  factor: number;
  count: number;
  /** Full-resolution keypoint centres. */
  x: Float32Array;
  y: Float32Array;
  /** Detector response (strength), for ranking. */
  response: Float32Array;
  /** Bytes per descriptor (AKAZE MLDB: 61; SIFT: 128, one per float, exact: descriptors.ts). */
  descriptorBytes: number;
  /** count * descriptorBytes, row-major. */
  descriptors: Uint8Array;
}

/** Smallest integer factor f with max(width, height) / f <= maxSize. */
export function featureFactor(width: number, height: number, maxSize: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / maxSize));
}

/** Centre, in full-resolution pixels, of downsampled coordinate `c` at factor `f`. */
export function toFullResolution(c: number, f: number): number {
  return f * c + (f - 1) / 2;
}

export async function extractFeatures(img: Gray8, params: Partial<AlignParams> = {}): Promise<SliceFeatures> {
  const p = resolveAlignParams(params);
  const factor = featureFactor(img.width, img.height, p.maxSize);
  // Stripes fixed in the image frame are taken out of the copy features are found on, when asked (destripe.ts).
  const copy = downsampleForFeatures(img, factor);
  const small = p.destripe ? destripe(copy) : copy;
  const empty: SliceFeatures = {
    detector: p.detector,
    width: img.width,
    height: img.height,
    factor,
    count: 0,
    x: new Float32Array(0),
    y: new Float32Array(0),
    response: new Float32Array(0),
    descriptorBytes: DESCRIPTOR_BYTES[p.detector],
    descriptors: new Uint8Array(0),
  };
  // Both detectors need a few pixels of scale space; a tiny or empty image simply has no features.
  if (small.width < 16 || small.height < 16) return empty;
  // AKAZE computes descriptors for the maxFeatures strongest only, already in the order ranked below
  // (native/akaze.cc), so the ranking is the identity there; SIFT gives every keypoint.
  const found = p.detector === "sift" ? siftKeypoints(small) : openCv().akaze(small.data, small.width, small.height, p.akazeThreshold, p.maxFeatures);
  const n = found.x.length;
  if (n === 0) return empty;
  const bytes = found.descriptorBytes;
  // Strongest first, ties by index: deterministic for the same image.
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => found.response[b] - found.response[a] || a - b);
  const count = Math.min(n, p.maxFeatures);
  const out: SliceFeatures = {
    ...empty,
    count,
    x: new Float32Array(count),
    y: new Float32Array(count),
    response: new Float32Array(count),
    descriptorBytes: bytes,
    descriptors: new Uint8Array(count * bytes),
  };
  for (let k = 0; k < count; k++) {
    const i = order[k];
    out.x[k] = toFullResolution(found.x[i], factor);
    out.y[k] = toFullResolution(found.y[i], factor);
    out.response[k] = found.response[i];
    out.descriptors.set(found.descriptors.subarray(i * bytes, (i + 1) * bytes), k * bytes);
  }
  return out;
}
