// emingest's OpenCV: native OpenCV 4.12.0 (core, imgproc, features2d: AKAZE and SIFT) in a Node-API addon that
// scripts/native.sh builds from source (native/*.cc -> native/build/emingest-cv.node). Same version as the
// oracle (opencv-python-headless 4.12.0.88), single-threaded: one task per worker thread.
// It replaced the OpenCV.js (WASM) build, which ran AKAZE at ~2.2x native time (BENCHMARKS.md).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { PermanentError } from "../errors.js";

/** Keypoints of one image in OpenCV's order, in that image's own pixel coordinates. */
export interface AkazeResult {
  x: Float32Array;
  y: Float32Array;
  response: Float32Array;
  /** Bytes per descriptor (AKAZE MLDB: 61); 0 when there are no keypoints. */
  descriptorBytes: number;
  /** count * descriptorBytes, row-major. */
  descriptors: Uint8Array;
}

/** SIFT keypoints of one image in OpenCV's order (cv::SIFT::create() defaults), in its own pixel coordinates. */
export interface SiftResult {
  x: Float32Array;
  y: Float32Array;
  response: Float32Array;
  size: Float32Array;
  angle: Float32Array;
  /** Floats per descriptor (128); 0 when there are no keypoints. */
  dims: number;
  /** count * dims, row-major; OpenCV makes every value an integer 0..255 (native/sift.cc). */
  descriptors: Float32Array;
}

/** Two nearest neighbours per query: [best0, second0, best1, second1, ...]; -1 / Infinity where missing. */
export interface Knn2Result {
  trainIdx: Int32Array;
  distance: Float32Array;
}

/** The functions of native/addon.cc. Arguments are checked there; a wrong one throws a TypeError. */
export interface OpenCv {
  opencvVersion: string;
  /** Every keypoint in OpenCV's order; with maxFeatures > 0 only the maxFeatures strongest (response
   * descending, ties by OpenCV's index), in that order, each with the descriptor the full call gives it. */
  akaze(gray: Uint8Array, width: number, height: number, threshold: number, maxFeatures?: number): AkazeResult;
  knnMatch2(query: Uint8Array, queryCount: number, train: Uint8Array, trainCount: number, bytes: number): Knn2Result;
  sift(gray: Uint8Array, width: number, height: number): SiftResult;
  /** cv::BFMatcher(NORM_L2) kNN, k = 2, over float descriptors of `dims` floats each. */
  knnMatch2L2(query: Float32Array, queryCount: number, train: Float32Array, trainCount: number, dims: number): Knn2Result;
  /** cv::warpAffine with `map` as the inverse map, INTER_LINEAR, BORDER_CONSTANT 0. */
  warpAffine(src: Uint8Array, width: number, height: number, map: Float64Array, outWidth: number, outHeight: number): Uint8Array;
  /** cv::createCLAHE(clipLimit, (tilesX, tilesY))->apply. */
  clahe(src: Uint8Array, width: number, height: number, clipLimit: number, tilesX: number, tilesY: number): Uint8Array;
}

/** Where scripts/native.sh puts the addon, relative to this module (core/align or dist/core/align). */
export const ADDON_PATH = fileURLToPath(new URL("../../../native/build/emingest-cv.node", import.meta.url));

const require = createRequire(import.meta.url);

/**
 * The native OpenCV binding (require's cache loads it once per thread). Not built is a PermanentError (no
 * retry can build it); the CLI checks it before a run starts.
 */
export function openCv(): OpenCv {
  try {
    return require(ADDON_PATH) as OpenCv;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "MODULE_NOT_FOUND" || code === "ENOENT") {
      throw new PermanentError(`emingest's native OpenCV addon is not built (${ADDON_PATH}): run \`npm run setup\` (scripts/native.sh)`, { cause: err });
    }
    throw err;
  }
}
