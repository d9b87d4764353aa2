// The precomputed `png` chunk encoding (volume.md, "png chunk encoding"): one PNG of width X and height Y*Z
// whose concatenated rows are the chunk's voxels in [x, y, z] Fortran order, like the jpeg encoding, but
// lossless. 8-bit grayscale (colour type 0, bit depth 8), no interlace (PNG spec, ISO/IEC 15948, 11.2.2).
// One filter for every row (PNG spec 9: the filter byte before each row), then one zlib stream in one IDAT
// chunk: a pure function of the voxels, so a redelivered task rewrites identical bytes.
// Filter and deflate level were chosen on EM-like texture (BENCHMARKS.md, "Lossless precomputed encoding").
import { crc32, deflateSync, inflateSync } from "node:zlib";
import type { Vec3 } from "./morton.js";
import { voxelCount } from "./voxel-box.js";

/** PNG filter type 3 (Average) predicts floor((left + up) / 2): as tight as Paeth on EM-like texture (0.5% more bytes), cheaper. */
const AVERAGE = 3;
/** Deflate level of the IDAT stream. */
export const PNG_DEFLATE_LEVEL = 1;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Filtered scanlines: per row the filter byte, then Average differences mod 256 (outside the image is 0). */
function filterRows(voxels: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let o = y * (width + 1);
    out[o++] = AVERAGE;
    if (y === 0) {
      out[o++] = voxels[0];
      for (let x = 1; x < width; x++) out[o++] = (voxels[x] - (voxels[x - 1] >> 1)) & 0xff;
      continue;
    }
    const up = row - width;
    out[o++] = (voxels[row] - (voxels[up] >> 1)) & 0xff;
    for (let x = 1; x < width; x++) out[o++] = (voxels[row + x] - ((voxels[row + x - 1] + voxels[up + x]) >> 1)) & 0xff;
  }
  return out;
}

export function encodePngChunk(voxels: Uint8Array, size: Vec3): Uint8Array {
  if (voxels.length !== voxelCount(size)) throw new RangeError(`png chunk: ${size.join("x")} needs ${voxelCount(size)} voxels, got ${voxels.length}`);
  const width = size[0];
  const height = size[1] * size[2];
  if (width > 2 ** 31 - 1 || height > 2 ** 31 - 1) throw new RangeError(`png chunk ${size.join("x")} exceeds the PNG size limit`);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale; compression, filter method and interlace stay 0
  const idat = deflateSync(filterRows(voxels, width, height), { level: PNG_DEFLATE_LEVEL });
  const parts = [SIGNATURE, pngChunk("IHDR", header), pngChunk("IDAT", idat), pngChunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Decodes what encodePngChunk writes (one IDAT, 8-bit gray, any of the five filters per row); refuses
 * anything else. For tests and repairs; readers of the volume use their own PNG decoders.
 */
export function decodePngChunk(bytes: Uint8Array, size: Vec3): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) throw new RangeError("png chunk: no PNG signature");
  const width = size[0];
  const height = size[1] * size[2];
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR" && (view.getUint32(at + 8) !== width || view.getUint32(at + 12) !== height || data[8] !== 8 || data[9] !== 0 || data[12] !== 0)) {
      throw new RangeError(`png chunk: not an 8-bit gray ${width}x${height} non-interlaced image`);
    }
    if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(idat));
  if (rows.length !== height * (width + 1)) throw new RangeError(`png chunk: ${rows.length} bytes of scanlines for ${width}x${height}`);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const f = rows[y * (width + 1)];
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? out[y * width + x - 1] : 0;
      const b = y > 0 ? out[(y - 1) * width + x] : 0;
      const c = x > 0 && y > 0 ? out[(y - 1) * width + x - 1] : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : f === 4 ? paeth(a, b, c) : -1;
      if (pred < 0) throw new RangeError(`png chunk: row ${y} has filter ${f}`);
      out[y * width + x] = (rows[y * (width + 1) + 1 + x] + pred) & 0xff;
    }
  }
  return out;
}
