// The common slice PNG (8- or 16-bit grayscale, non-interlaced, no chunk that could change its pixels)
// decoded by emingest's native addon (native/png-decode.cc: chunk CRCs, libdeflate's inflate with the
// Adler-32, unfiltering), ~1.3x less CPU than sharp's libvips/libspng path on the bench's slices
// (BENCHMARKS.md). Every other image, and every file this decoder is unsure of, goes to sharp as before
// (decode.ts). Pixels are sharp's exactly (test/image/png-gray.test.ts, a differential corpus); defects are
// refused where sharp (failOn "truncated") refuses them, and also where sharp would let a bad CRC, a bad
// Adler-32, extra inflated data or trailing bytes inside IDAT pass (stricter: refuse rather than guess).
import { PermanentError } from "../errors.js";
import { ADDON_PATH, openCv } from "../align/opencv.js";
import type { Gray16, Gray8 } from "./gray.js";

type NativeResult = { width: number; height: number; depth: 8 | 16; data: Uint8Array | Uint16Array } | { error: string } | null;

/** The function of native/png-decode.cc. */
interface PngAddon {
  decodePngGray(bytes: Uint8Array, maxPixels: number): NativeResult;
}

function addon(): PngAddon {
  const loaded: Partial<PngAddon> = openCv() as ReturnType<typeof openCv> & Partial<PngAddon>;
  if (typeof loaded.decodePngGray !== "function") {
    throw new PermanentError(`emingest's native addon (${ADDON_PATH}) has no PNG decoder: rebuild it with \`npm run setup\` (scripts/native.sh)`);
  }
  return loaded as PngAddon;
}

/**
 * The slice's pixels when it is the common grayscale PNG within `maxPixels`; undefined when it is anything
 * else (the caller decodes it with sharp). A defect of the file is a PermanentError naming the slice.
 */
export function decodeGrayPng(bytes: Uint8Array, name: string, maxPixels: number): Gray8 | Gray16 | undefined {
  const out = addon().decodePngGray(bytes, maxPixels);
  if (out === null) return undefined;
  if ("error" in out) throw new PermanentError(`${name}: corrupt or truncated image (${out.error})`);
  return out.depth === 16
    ? { width: out.width, height: out.height, data: out.data as Uint16Array }
    : { width: out.width, height: out.height, data: out.data as Uint8Array };
}
