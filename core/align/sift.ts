// SIFT keypoints of one (downsampled) image through the native addon (native/sift.cc: cv::SIFT::create()
// with OpenCV's defaults, the same call as cv2.SIFT_create()), for align.detector "sift": Fiji's detector
// family, for users who want it. Descriptors come back as OpenCV's floats and are kept as bytes: OpenCV
// rounds and saturates every value to 0..255 (descriptors.ts), so the conversion is exact; a value that is
// not such an integer would mean the addon is not the OpenCV this code was written for, and is refused.
import type { Gray8 } from "../image/gray.js";
import { openCv, type AkazeResult } from "./opencv.js";

/** Keypoints as features.ts ranks them (the same shape AKAZE's come in). */
export function siftKeypoints(small: Gray8): AkazeResult {
  const found = openCv().sift(small.data, small.width, small.height);
  const descriptors = new Uint8Array(found.descriptors.length);
  for (let i = 0; i < found.descriptors.length; i++) {
    const v = found.descriptors[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
      throw new Error(`SIFT descriptor value ${v} at ${i} is not an integer 0..255: the native addon's OpenCV is not the expected one`);
    }
    descriptors[i] = v;
  }
  return { x: found.x, y: found.y, response: found.response, descriptorBytes: found.dims, descriptors };
}
