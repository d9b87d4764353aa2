// Writes the zarr shards of one scale that a voxel block holds (codecs/sharding-indexed, index at the end).
// A shard file is [the encoded inner chunks, in C order of their index in the shard][index][CRC-32C]: the
// index is, per inner chunk in C order over (z, y, x), little-endian uint64 offset and nbytes; an inner
// chunk that is all fill value (0) is not stored and has offset = nbytes = 2^64 - 1, as tensorstore and
// zarr-python skip it too. Inner chunks are always whole: the part outside the array is the fill value.
// A shard whose chunks are all fill value is not written at all (a missing shard reads as fill value).
// The block must hold every shard it touches whole (clipped to the array), which the pyramid plan
// guarantees for a cube at the scales it owns and for the reduce step's whole volume (zarr-layout.ts).
import { extractBoxInto, voxelCount, type PutFn, type PyramidPlan, type Vec3, type VoxelBlock } from "../precomputed/index.js";
import { crc32c } from "./crc32c.js";
import { shardKey, shardShapeXYZ, shardsInBox } from "./zarr-layout.js";
import { zstdCompress } from "./zstd.js";

const MISSING = 0xffffffffffffffffn;

function isAllZero(data: Uint8Array): boolean {
  if (data.byteOffset % 4 === 0 && data.length % 4 === 0) {
    const words = new Int32Array(data.buffer, data.byteOffset, data.length >> 2);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

function checkBlockHoldsShards(plan: PyramidPlan, s: number, block: VoxelBlock): void {
  const shape = shardShapeXYZ(plan, s);
  const size = plan.scales[s].size;
  for (let d = 0; d < 3; d++) {
    const end = block.origin[d] + block.size[d];
    if (block.origin[d] % shape[d] !== 0 || (end % shape[d] !== 0 && end !== size[d]) || end > size[d]) {
      throw new RangeError(`zarr scale ${s}: block [${block.origin}] + [${block.size}] does not hold whole shards of ${shape.join("x")}`);
    }
  }
}

/** One inner chunk's voxels (whole chunk, x fastest), or undefined when it lies outside the array. */
function innerChunk(block: VoxelBlock, begin: Vec3, chunk: Vec3, size: Vec3, whole: Uint8Array): Uint8Array | undefined {
  const end = [0, 1, 2].map((d) => Math.min(begin[d] + chunk[d], size[d])) as [number, number, number];
  if (end.some((e, d) => e <= begin[d])) return undefined;
  const box = { begin: [begin[0], begin[1], begin[2]] as [number, number, number], end };
  const clipped = end.some((e, d) => e - begin[d] !== chunk[d]);
  if (!clipped) return extractBoxInto(block, box, whole);
  const part = extractBoxInto(block, box, new Uint8Array(whole.length));
  const [bx, by, bz] = [0, 1, 2].map((d) => end[d] - begin[d]);
  whole.fill(0);
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) whole.set(part.subarray(bx * (y + by * z), bx * (y + 1 + by * z)), chunk[0] * (y + chunk[1] * z));
  return whole;
}

/** The bytes of the shard with grid index `shard` of scale s, or undefined when every chunk is fill value. */
export async function encodeZarrShard(plan: PyramidPlan, s: number, block: VoxelBlock, shard: Vec3): Promise<Uint8Array | undefined> {
  const shape = shardShapeXYZ(plan, s);
  const chunk = plan.chunk;
  const size = plan.scales[s].size;
  const per = [0, 1, 2].map((d) => shape[d] / chunk[d]);
  const n = per[0] * per[1] * per[2];
  const whole = new Uint8Array(voxelCount(chunk));
  const parts: Uint8Array[] = [];
  const index = new DataView(new ArrayBuffer(16 * n + 4));
  let offset = 0;
  let i = 0;
  for (let z = 0; z < per[2]; z++) {
    for (let y = 0; y < per[1]; y++) {
      for (let x = 0; x < per[0]; x++, i++) {
        const begin: Vec3 = [shard[0] * shape[0] + x * chunk[0], shard[1] * shape[1] + y * chunk[1], shard[2] * shape[2] + z * chunk[2]];
        const voxels = innerChunk(block, begin, chunk, size, whole);
        if (voxels === undefined || isAllZero(voxels)) {
          index.setBigUint64(16 * i, MISSING, true);
          index.setBigUint64(16 * i + 8, MISSING, true);
          continue;
        }
        const encoded = await zstdCompress(voxels);
        index.setBigUint64(16 * i, BigInt(offset), true);
        index.setBigUint64(16 * i + 8, BigInt(encoded.length), true);
        parts.push(encoded);
        offset += encoded.length;
      }
    }
  }
  if (parts.length === 0) return undefined;
  const indexBytes = new Uint8Array(index.buffer, 0, 16 * n);
  index.setUint32(16 * n, crc32c(indexBytes), true);
  const file = new Uint8Array(offset + 16 * n + 4);
  let at = 0;
  for (const p of parts) {
    file.set(p, at);
    at += p.length;
  }
  file.set(new Uint8Array(index.buffer), at);
  return file;
}

/** Writes every shard of scale s in the block through `put` (keys relative to the group, zarr-layout.ts). */
export async function writeZarrBlock(plan: PyramidPlan, s: number, block: VoxelBlock, put: PutFn): Promise<void> {
  checkBlockHoldsShards(plan, s, block);
  const end = [0, 1, 2].map((d) => block.origin[d] + block.size[d]) as [number, number, number];
  for (const shard of shardsInBox(plan, s, block.origin, end)) {
    const bytes = await encodeZarrShard(plan, s, block, shard);
    if (bytes) await put(shardKey(s, shard), bytes);
  }
}
