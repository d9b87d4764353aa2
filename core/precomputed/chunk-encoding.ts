// Chunk encodings (volume.md, "Chunk encoding"), uint8, one channel.
// raw: the voxels in [x, y, z] Fortran order, no header; a clipped edge chunk has its clipped size.
// jpeg: a 1-channel JPEG of width X and height Y*Z whose concatenated rows are that same Fortran order.
// png: the same image as a lossless 8-bit gray PNG (png-chunk.ts).
//
// JPEG encoding calls libjpeg-turbo's TurboJPEG API directly (@julusian/jpeg-turbo 2.x; 3.x needs Node >=
// 22.18): baseline, 1 component, standard Huffman tables, as tensorstore writes. It is NOT byte-identical
// to tensorstore's output: the binding hard-codes TJFLAG_FASTDCT (integer "fast" DCT; tensorstore uses the
// default "slow" integer DCT), which on EM-like texture costs ~+0.5% mean abs error and ~+0.3% bytes
// (bench/jpeg/README.md). tensorstore, neuroglancer and our decoder read it like any baseline JPEG.
// Decoding stays on sharp (libvips + libjpeg-turbo); it is not on the write path.
import turbo from "@julusian/jpeg-turbo";
import sharp from "sharp";
import type { Vec3 } from "./morton.js";
import { decodePngChunk, encodePngChunk } from "./png-chunk.js";
import { voxelCount } from "./voxel-box.js";

export type ChunkEncoding = "raw" | "jpeg" | "png";

/**
 * How the lossless volume (ng/raw/) stores its chunks: "png" chunks (sharded data_encoding raw: the PNG is
 * already deflated), or "gzip": raw chunks with gzip shard data. On EM-like texture png takes 0.71x the
 * bytes of gzip at ~0.8x its encode throughput (BENCHMARKS.md, "Lossless precomputed encoding").
 */
export type LosslessEncoding = "png" | "gzip";

function checkLength(data: Uint8Array, size: Vec3, what: string): void {
  if (data.length !== voxelCount(size)) throw new RangeError(`${what}: chunk ${size.join("x")} needs ${voxelCount(size)} voxels, got ${data.length}`);
}

export function encodeRawChunk(voxels: Uint8Array, size: Vec3): Uint8Array {
  checkLength(voxels, size, "raw chunk");
  return voxels;
}

export function decodeRawChunk(bytes: Uint8Array, size: Vec3): Uint8Array {
  checkLength(bytes, size, "raw chunk");
  return bytes;
}

/** The binding accepts only Buffers; a Buffer over the same memory costs no copy. */
function asBuffer(a: Uint8Array): Buffer {
  return Buffer.isBuffer(a) ? a : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function jpegOptions(size: Vec3, quality: number): { format: number; subsampling: number; width: number; height: number; quality: number } {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`jpeg quality must be an integer in [1, 100], got ${quality}`);
  const height = size[1] * size[2];
  if (size[0] > 65535 || height > 65535) throw new RangeError(`jpeg chunk ${size.join("x")} exceeds the 65535-pixel JPEG limit`);
  return { format: turbo.FORMAT_GRAY, subsampling: turbo.SAMP_GRAY, width: size[0], height, quality };
}

/** The most bytes the JPEG of a chunk of `size` can take (tjBufSize): the least `out` of encodeJpegChunkInto. */
export function jpegBufferSize(size: Vec3): number {
  return turbo.bufferSize({ width: size[0], height: size[1] * size[2], subsampling: turbo.SAMP_GRAY });
}

/**
 * Encodes into `out` (>= jpegBufferSize(size) bytes; it grows monotonically with the size, so a buffer for a
 * whole chunk fits a clipped edge chunk) and returns the view of `out` holding the JPEG: valid until `out` is
 * reused. The encoder runs on libuv's pool: `voxels` and `out` must not be touched until the promise settles.
 */
export async function encodeJpegChunkInto(voxels: Uint8Array, size: Vec3, quality: number, out: Uint8Array): Promise<Uint8Array> {
  checkLength(voxels, size, "jpeg chunk");
  const options = jpegOptions(size, quality);
  const jpeg = await turbo.compress(asBuffer(voxels), asBuffer(out), options);
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
}

/** The JPEG of one chunk, in a buffer of its own. */
export async function encodeJpegChunk(voxels: Uint8Array, size: Vec3, quality: number): Promise<Uint8Array> {
  checkLength(voxels, size, "jpeg chunk");
  const options = jpegOptions(size, quality);
  // Without an output buffer the binding allocates tjBufSize bytes; copy the JPEG out so as not to keep them.
  return new Uint8Array(await turbo.compress(asBuffer(voxels), options));
}

export async function decodeJpegChunk(bytes: Uint8Array, size: Vec3): Promise<Uint8Array> {
  const { data, info } = await sharp(bytes).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width * info.height !== voxelCount(size)) {
    throw new RangeError(`jpeg chunk: decoded ${info.width}x${info.height}x${info.channels}, expected ${voxelCount(size)} gray voxels`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function encodeChunk(encoding: ChunkEncoding, voxels: Uint8Array, size: Vec3, jpegQuality: number): Promise<Uint8Array> {
  if (encoding === "png") return encodePngChunk(voxels, size);
  return encoding === "jpeg" ? encodeJpegChunk(voxels, size, jpegQuality) : encodeRawChunk(voxels, size);
}

/** The voxels of one chunk of `size` stored in `encoding`: the inverse of encodeChunk (jpeg within its loss). */
export async function decodeChunk(encoding: ChunkEncoding, bytes: Uint8Array, size: Vec3): Promise<Uint8Array> {
  if (encoding === "png") return decodePngChunk(bytes, size);
  return encoding === "jpeg" ? decodeJpegChunk(bytes, size) : decodeRawChunk(bytes, size);
}
