// Copies between 3D uint8 arrays in [x, y, z] Fortran order (x fastest: index x + X*(y + Y*z)),
// the order of raw chunks (volume.md, "raw chunk encoding") and of every voxel buffer in this module.
import type { VoxelBox } from "./chunk-key.js";
import type { Vec3 } from "./morton.js";

/** A voxel buffer and where it sits in its scale's voxel space. */
export interface VoxelBlock {
  data: Uint8Array;
  /** Global voxel coordinate of data[0]. */
  origin: [number, number, number];
  size: [number, number, number];
}

export function voxelCount(size: Vec3): number {
  return size[0] * size[1] * size[2];
}

export function voxelBlock(data: Uint8Array, origin: Vec3, size: Vec3): VoxelBlock {
  if (data.length !== voxelCount(size)) {
    throw new RangeError(`voxel block ${size.join("x")} needs ${voxelCount(size)} bytes, got ${data.length}`);
  }
  return { data, origin: [origin[0], origin[1], origin[2]], size: [size[0], size[1], size[2]] };
}

function assertInside(box: VoxelBox, block: VoxelBlock): void {
  for (let d = 0; d < 3; d++) {
    if (box.begin[d] < block.origin[d] || box.end[d] > block.origin[d] + block.size[d]) {
      throw new RangeError(`box [${box.begin}]..[${box.end}] is not inside block at [${block.origin}] of ${block.size.join("x")}`);
    }
  }
}

/**
 * The view of `block.data` that is `box` (global coordinates), when the box is one contiguous run of the
 * block (it spans the block's whole x and y extent, e.g. a block of one chunk); undefined otherwise.
 */
export function contiguousBox(block: VoxelBlock, box: VoxelBox): Uint8Array | undefined {
  assertInside(box, block);
  const [sx, sy] = block.size;
  if (box.end[0] - box.begin[0] !== sx || box.end[1] - box.begin[1] !== sy) return undefined;
  const from = sx * sy * (box.begin[2] - block.origin[2]);
  return block.data.subarray(from, from + sx * sy * (box.end[2] - box.begin[2]));
}

/** A copy of `box` (global coordinates) out of `block`, x fastest. */
export function extractBox(block: VoxelBlock, box: VoxelBox): Uint8Array {
  return extractBoxInto(block, box, new Uint8Array((box.end[0] - box.begin[0]) * (box.end[1] - box.begin[1]) * (box.end[2] - box.begin[2])));
}

/**
 * extractBox into the start of `out` (at least the box's voxel count long, e.g. a reused buffer of a whole
 * chunk for a clipped edge chunk); returns the view of `out` that holds the box.
 */
export function extractBoxInto(block: VoxelBlock, box: VoxelBox, out: Uint8Array): Uint8Array {
  assertInside(box, block);
  const [bx, by, bz] = [box.end[0] - box.begin[0], box.end[1] - box.begin[1], box.end[2] - box.begin[2]];
  const n = bx * by * bz;
  if (out.length < n) throw new RangeError(`extractBoxInto: ${bx}x${by}x${bz} needs ${n} bytes, got ${out.length}`);
  const [sx, sy] = block.size;
  const ox = box.begin[0] - block.origin[0];
  const oy = box.begin[1] - block.origin[1];
  const oz = box.begin[2] - block.origin[2];
  const src = block.data;
  let at = 0;
  const run = contiguousBox(block, box);
  if (run) {
    out.set(run);
    return out.subarray(0, n);
  }
  if (bx < 256 && bx % 4 === 0 && ox % 4 === 0 && sx % 4 === 0 && src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    // Short rows of whole 4-byte words (the usual chunk-aligned case, 64 bytes for a 64^3 chunk): a plain
    // word loop is several times faster than a subarray per row, and allocates nothing.
    // Int32 (not Uint32) words stay small integers in V8 whatever the bytes; 4 words per step when rows
    // allow (a 64-byte row is 16 words) is ~20% faster again.
    const from32 = new Int32Array(src.buffer, src.byteOffset, src.length >> 2);
    const out32 = new Int32Array(out.buffer, out.byteOffset, n >> 2);
    const wx = bx >> 2;
    const sx32 = sx >> 2;
    const unrolled = wx % 4 === 0;
    for (let z = 0; z < bz; z++) {
      let from = (ox + sx * (oy + sy * (oz + z))) >> 2;
      for (let y = 0; y < by; y++) {
        if (unrolled) {
          for (let k = 0; k < wx; k += 4) {
            out32[at + k] = from32[from + k];
            out32[at + k + 1] = from32[from + k + 1];
            out32[at + k + 2] = from32[from + k + 2];
            out32[at + k + 3] = from32[from + k + 3];
          }
        } else {
          for (let k = 0; k < wx; k++) out32[at + k] = from32[from + k];
        }
        at += wx;
        from += sx32;
      }
    }
    return out.subarray(0, n);
  }
  // Long rows (or unaligned): one memcpy per row.
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const from = ox + sx * (oy + y + sy * (oz + z));
      out.set(src.subarray(from, from + bx), at);
      at += bx;
    }
  }
  return out.subarray(0, n);
}

/** Writes `src` (exactly the box's size, x fastest) into `block` at `box` (global coordinates). */
export function placeBox(block: VoxelBlock, box: VoxelBox, src: Uint8Array): void {
  assertInside(box, block);
  const [bx, by, bz] = [box.end[0] - box.begin[0], box.end[1] - box.begin[1], box.end[2] - box.begin[2]];
  if (src.length !== bx * by * bz) throw new RangeError(`placeBox: ${bx}x${by}x${bz} needs ${bx * by * bz} bytes, got ${src.length}`);
  const [sx, sy] = block.size;
  const ox = box.begin[0] - block.origin[0];
  const oy = box.begin[1] - block.origin[1];
  const oz = box.begin[2] - block.origin[2];
  let at = 0;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      block.data.set(src.subarray(at, at + bx), ox + sx * (oy + y + sy * (oz + z)));
      at += bx;
    }
  }
}
