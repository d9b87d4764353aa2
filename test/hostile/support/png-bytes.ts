// Building and damaging PNG files byte by byte for the PNG decoding cases (PNG 1.2: chunks of length,
// type, data, CRC-32 over type and data; the image data is one zlib stream split over IDAT chunks).
import { deflateSync } from "node:zlib";

export interface PngChunk {
  type: string;
  data: Buffer;
  /** The CRC as stored; the right one when not given. */
  crc?: number;
}

export function chunk(type: string, data: Buffer, crc?: number): PngChunk {
  return { type, data, crc };
}

export function chunkBytes(c: PngChunk): Buffer {
  const out = Buffer.alloc(12 + c.data.length);
  out.writeUInt32BE(c.data.length, 0);
  out.write(c.type, 4, "latin1");
  c.data.copy(out, 8);
  out.writeUInt32BE(c.crc ?? crc32(out.subarray(4, 8 + c.data.length)), 8 + c.data.length);
  return out;
}

export const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngBytes(chunks: readonly PngChunk[]): Buffer {
  return Buffer.concat([SIGNATURE, ...chunks.map(chunkBytes)]);
}

export function ihdr(width: number, height: number, depth: 8 | 16): PngChunk {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = depth;
  return chunk("IHDR", d);
}

/** The filtered scanlines of a gray image (filter type 0 on every row), samples big-endian at 16 bits. */
export function scanlines(width: number, height: number, depth: 8 | 16, sample: (i: number) => number): Buffer {
  const bpp = depth / 8;
  const out = Buffer.alloc(height * (1 + width * bpp));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (1 + width * bpp) + 1 + x * bpp;
      if (depth === 16) out.writeUInt16BE(sample(y * width + x) & 0xffff, at);
      else out[at] = sample(y * width + x) & 0xff;
    }
  }
  return out;
}

/** A PNG of the given scanlines, its zlib stream cut into IDATs of `split` bytes. */
export function grayPng(width: number, height: number, depth: 8 | 16, lines: Buffer, split = 1000): Buffer {
  const stream = deflateSync(lines);
  const idats: PngChunk[] = [];
  for (let at = 0; at < stream.length; at += split) idats.push(chunk("IDAT", stream.subarray(at, at + split)));
  return pngBytes([ihdr(width, height, depth), ...idats, chunk("IEND", Buffer.alloc(0))]);
}

/** The chunks of a PNG file (assumed well formed) with their byte offsets. */
export function chunksOf(png: Buffer): Array<PngChunk & { at: number }> {
  const out: Array<PngChunk & { at: number }> = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const n = png.readUInt32BE(at);
    out.push({ at, type: png.toString("latin1", at + 4, at + 8), data: png.subarray(at + 8, at + 8 + n), crc: png.readUInt32BE(at + 8 + n) });
    at += 12 + n;
  }
  return out;
}

/** CRC-32 (ISO 3309, the one PNG uses), bit by bit: an implementation of its own, not the decoder's. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
