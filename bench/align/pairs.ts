// Synthetic pairs for bench/align: slice z = 10 of the sample tissue (core/sample) seen through the identity
// (prev) and slice z = 11 seen through a known affine (cur), at any size. The truth maps cur pixels to prev
// pixels, as alignPair's matrix does. Cell size and membrane width scale with the image, so the copy that
// features are found on (longer side <= maxSize) looks alike at every size; noise is per full-res pixel.
import { writeFile } from "node:fs/promises";
import sharp from "sharp";
import { apply, corners, type Affine } from "../../core/geometry/affine.js";
import { IDENTITY } from "../../core/geometry/affine.js";
import { DEFAULT_TISSUE, renderTissue, stepAbout, type TissueOptions } from "../../core/sample/index.js";

export interface BenchPair {
  size: number;
  truth: Affine;
  prevFile: string;
  curFile: string;
}

/** The sample tissue scaled to a `size`-pixel image, so that every size looks alike to the detector. */
export function tissueFor(size: number): TissueOptions {
  const k = size / 1024;
  return { ...DEFAULT_TISSUE, seed: 3, cellSize: 40 * k, membraneSigma: DEFAULT_TISSUE.membraneSigma * k };
}

/** Rotation 1.5 deg, scale 1.002, shear 0.002 about the centre, shift (+1.2 %, -0.7 %) of the side: an affine pair. */
export function pairTruth(size: number): Affine {
  const c = (size - 1) / 2;
  return stepAbout(c, c, (1.5 * Math.PI) / 180, 1.002, 0.002, 0.0123 * size, -0.0071 * size);
}

/**
 * Renders both slices and writes them as 8-bit grayscale PNGs (sharp, compression level 6). Without
 * `toColourspace("b-w")` sharp writes a 1-channel raw input as an RGB PNG.
 */
export async function writePair(size: number, prevFile: string, curFile: string): Promise<BenchPair> {
  const tissue = tissueFor(size);
  const truth = pairTruth(size);
  for (const [file, z, transform] of [[prevFile, 10, IDENTITY], [curFile, 11, truth]] as const) {
    const data = renderTissue(tissue, { z, transform, width: size, height: size, noise: 6 });
    const png = await sharp(data, { raw: { width: size, height: size, channels: 1 }, limitInputPixels: false }).toColourspace("b-w").png({ compressionLevel: 6 }).toBuffer();
    await writeFile(file, png);
  }
  return { size, truth, prevFile, curFile };
}

/** Largest distance between where m and truth put the four pixel-centre corners of a size x size image. */
export function worstCornerError(m: Affine, truth: Affine, size: number): number {
  return Math.max(
    ...corners(size, size).map(([x, y]) => {
      const [px, py] = apply(m, x, y);
      const [qx, qy] = apply(truth, x, y);
      return Math.hypot(px - qx, py - qy);
    }),
  );
}
