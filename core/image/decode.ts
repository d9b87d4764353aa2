// Slice decoding: the common grayscale PNG natively (png-gray.ts), everything else with sharp (libvips): exact grayscale, 8 or 16 bit, with a pixel limit.
// Every error names the slice. FINDINGS.md: plain `.raw()` gives 3 channels; use the b-w / grey16 colourspaces.
// Signed samples (TIFF SampleFormat 2: raw FIB-SEM exports can be signed 16-bit) are shifted onto the
// unsigned range of the same width, v + 32768 (16-bit) or v + 128 (8-bit), which keeps their order and
// their differences exactly; the 16-bit window then works on the shifted values (its percentiles are
// those of the signed values, shifted), and signed 8-bit maps -128..127 onto 0..255. libvips' own
// colourspace step would clamp negative samples to 0, so the shift is done first (exact in float).
import sharp, { type Metadata } from "sharp";
import { PermanentError } from "../errors.js";
import type { Gray16, Gray8 } from "./gray.js";
import { decodeGrayPng } from "./png-gray.js";
import { bytesReader, checkTiff, isTiff } from "./tiff-layout.js";

export interface SliceHeader {
  width: number;
  height: number;
  /** Bits per sample after decoding: 8 or 16. */
  depth: 8 | 16;
  /** Signed samples, decoded shifted onto the unsigned range (see the top of this file). */
  signed: boolean;
}

/** Reads the header only. `bytes` may be the start of the file; returns undefined when that is not enough. */
export async function probeSlice(bytes: Uint8Array, name: string, maxPixels: number, partial = false): Promise<SliceHeader | undefined> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    if (partial) return undefined;
    throw new PermanentError(`${name}: not a readable image (${reason(error)})`, { cause: error });
  }
  if (!meta.width || !meta.height || !meta.format) {
    if (partial) return undefined;
    throw new PermanentError(`${name}: not a readable image (no size in its header)`);
  }
  if (meta.width * meta.height > maxPixels) {
    throw new PermanentError(`${name}: ${meta.width}x${meta.height} is over the pixel limit of ${maxPixels}`);
  }
  const depth = meta.depth === "ushort" || meta.depth === "short" ? 16 : meta.depth === "uchar" || meta.depth === "char" ? 8 : undefined;
  if (depth === undefined) {
    throw new PermanentError(`${name}: ${meta.depth}-typed pixels are not supported (8- or 16-bit grayscale or RGB only)`);
  }
  const signed = meta.depth === "short" || meta.depth === "char";
  if (signed && meta.channels !== 1) {
    throw new PermanentError(`${name}: signed ${depth}-bit samples with ${meta.channels} channels are not supported (signed input must be one grayscale channel)`);
  }
  return { width: meta.width, height: meta.height, depth, signed };
}

/** Decodes a whole slice to grayscale; corrupt or truncated data is a PermanentError naming the slice. */
export async function decodeSlice(bytes: Uint8Array, name: string, maxPixels: number): Promise<Gray8 | Gray16> {
  // The common grayscale PNG is decoded natively (png-gray.ts), to sharp's pixels; everything else by sharp.
  return decodeGrayPng(bytes, name, maxPixels) ?? decodeWithSharp(bytes, name, maxPixels);
}

/** decodeSlice through sharp alone: the path for every image the native PNG decoder leaves (and its test oracle). */
export async function decodeWithSharp(bytes: Uint8Array, name: string, maxPixels: number): Promise<Gray8 | Gray16> {
  await checkTiff(bytesReader(bytes), name);
  const header = await probeSlice(bytes, name, maxPixels);
  if (!header) throw new PermanentError(`${name}: not a readable image`);
  try {
    // A TIFF strip that libtiff cannot read is an error only at failOn "error" (at "truncated" it is black).
    const decoder = sharp(bytes, { limitInputPixels: maxPixels, failOn: isTiff(bytes) ? "error" : "truncated" });
    const image = header.signed ? decoder.linear(1, header.depth === 16 ? 32768 : 128) : decoder;
    if (header.depth === 16) {
      const { data, info } = await image.toColourspace("grey16").raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true });
      const pixels = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
      return checked({ width: info.width, height: info.height, data: pixels.slice() }, header, name);
    }
    const { data, info } = await image.toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
    return checked({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, header, name);
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    throw new PermanentError(`${name}: corrupt or truncated image (${reason(error)})`, { cause: error });
  }
}

export function isGray16(image: Gray8 | Gray16): image is Gray16 {
  return image.data instanceof Uint16Array;
}

function checked<T extends Gray8 | Gray16>(image: T, header: SliceHeader, name: string): T {
  if (image.data.length !== image.width * image.height || image.width !== header.width || image.height !== header.height) {
    throw new PermanentError(`${name}: decoded to ${image.width}x${image.height} with ${image.data.length} samples, header says ${header.width}x${header.height}`);
  }
  return image;
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
