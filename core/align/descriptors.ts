// Descriptor kinds: what each detector's descriptors are, and how two of them are compared.
// - "akaze": AKAZE's MLDB binary descriptors (61 bytes at OpenCV's defaults), Hamming distance.
// - "sift": SIFT's 128 floats, L2 distance. OpenCV writes every float as saturate_cast<uchar> (integers
//   0..255: sift.simd.hpp, calcSIFTDescriptor), so they are held and stored as one byte each, exactly
//   (sift.ts checks it), and widened back to floats for OpenCV's L2 matcher.
// Invariant: descriptors of different detectors are never compared; `assertComparable` refuses it with
// a PermanentError, since a features object of the wrong kind means the stored features are not this run's.
import { PermanentError } from "../errors.js";
import { openCv, type Knn2Result } from "./opencv.js";

export const DETECTORS = ["akaze", "sift"] as const;
export type Detector = (typeof DETECTORS)[number];

/** What `assertComparable` needs of a feature set. */
export interface DescriptorSet {
  detector: Detector;
  descriptorBytes: number;
  descriptors: Uint8Array;
}

/** Bytes per descriptor at OpenCV's defaults (AKAZE MLDB 486 bits; SIFT 4 x 4 x 8 bins). */
export const DESCRIPTOR_BYTES: Record<Detector, number> = { akaze: 61, sift: 128 };

export function assertComparable(prev: DescriptorSet, cur: DescriptorSet): void {
  if (prev.detector !== cur.detector) {
    throw new PermanentError(`features of different detectors cannot be matched: ${prev.detector} and ${cur.detector} (align.detector changed under stored features?)`);
  }
  if (prev.descriptorBytes !== cur.descriptorBytes) {
    throw new PermanentError(`${cur.detector} features with different descriptor sizes cannot be matched: ${prev.descriptorBytes} and ${cur.descriptorBytes} bytes`);
  }
}

/** The first `count` descriptors widened to floats (SIFT's own values: integers 0..255). */
function asFloats(d: DescriptorSet, count: number): Float32Array {
  return Float32Array.from(d.descriptors.subarray(0, count * d.descriptorBytes));
}

/**
 * Two nearest `train` descriptors per `query` descriptor in native OpenCV (BFMatcher, brute force): Hamming
 * for AKAZE, L2 for SIFT. Only the first `nq` / `nt` descriptors take part.
 */
export function knnMatch2(query: DescriptorSet, nq: number, train: DescriptorSet, nt: number): Knn2Result {
  assertComparable(train, query);
  const bytes = query.descriptorBytes;
  if (query.detector === "sift") return openCv().knnMatch2L2(asFloats(query, nq), nq, asFloats(train, nt), nt, bytes);
  return openCv().knnMatch2(query.descriptors, nq, train.descriptors, nt, bytes);
}

/** Descriptors packed into 32-bit words (zero padded), `words` per keypoint. */
function pack(f: DescriptorSet, words: number): Uint32Array {
  const count = f.descriptorBytes > 0 ? Math.floor(f.descriptors.length / f.descriptorBytes) : 0;
  const out = new Uint32Array(count * words);
  const b = f.descriptorBytes;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < b; k++) out[i * words + (k >> 2)] |= f.descriptors[i * b + k] << ((k & 3) * 8);
  }
  return out;
}

/**
 * distance(i, j) between descriptor i of `cur` and descriptor j of `prev`, in the units OpenCV's matcher
 * uses for the kind (Hamming bits; L2 norm), in plain JS for guided matching.
 */
export function descriptorDistance(prev: DescriptorSet, cur: DescriptorSet): (i: number, j: number) => number {
  assertComparable(prev, cur);
  const bytes = cur.descriptorBytes;
  if (cur.detector === "sift") {
    const dp = prev.descriptors;
    const dc = cur.descriptors;
    return (i, j) => {
      // Integer squares of bytes: the sum is exact (< 2^24 for 128 values), as in OpenCV's float path.
      let sum = 0;
      for (let k = 0, a = i * bytes, b = j * bytes; k < bytes; k++) {
        const d = dc[a + k] - dp[b + k];
        sum += d * d;
      }
      return Math.sqrt(sum);
    };
  }
  const words = Math.ceil(bytes / 4);
  const dp = pack(prev, words);
  const dc = pack(cur, words);
  return (i, j) => {
    let sum = 0;
    for (let k = 0, a = i * words, b = j * words; k < words; k++) {
      let v = dc[a + k] ^ dp[b + k];
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      sum += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    return sum;
  };
}
