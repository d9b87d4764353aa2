// Rendering one slice into the global box, and CLAHE, with native OpenCV (core/align/opencv.ts); Python's
// cv2 with the same matrix and flags is the oracle (tools/python/align_warp_oracle.py).
import { compose, invert, translation, type Affine } from "../geometry/affine.js";
import type { Gray8 } from "../image/gray.js";
import type { PixelBox } from "../geometry/pixel-box.js";
import { openCv } from "./opencv.js";

/**
 * The inverse map handed to warpAffine: output pixel (u, v) samples source pixel
 * global^-1(u + box.x0, v + box.y0).
 */
export function inverseMap(global: Affine, box: Pick<PixelBox, "x0" | "y0">): Affine {
  return compose(invert(global), translation(box.x0, box.y0));
}

/**
 * cv.warpAffine(src, dst, inverseMap(global, box), (width, height), INTER_LINEAR | WARP_INVERSE_MAP,
 * BORDER_CONSTANT, 0): bilinear, outside the source is 0.
 */
export async function warpToBox(img: Gray8, global: Affine, box: PixelBox): Promise<Gray8> {
  const map = Float64Array.from(inverseMap(global, box));
  const data = openCv().warpAffine(img.data, img.width, img.height, map, box.width, box.height);
  return { width: box.width, height: box.height, data };
}

/** Contrast-limited adaptive histogram equalisation (cv.CLAHE). clipLimit 0 returns a copy unchanged. */
export async function clahe(img: Gray8, clipLimit: number, tileGrid: readonly [number, number] = [8, 8]): Promise<Gray8> {
  if (clipLimit === 0) return { width: img.width, height: img.height, data: img.data.slice() };
  if (!(clipLimit > 0)) throw new RangeError(`clahe: clipLimit must be >= 0, got ${clipLimit}`);
  const data = openCv().clahe(img.data, img.width, img.height, clipLimit, tileGrid[0], tileGrid[1]);
  return { width: img.width, height: img.height, data };
}
