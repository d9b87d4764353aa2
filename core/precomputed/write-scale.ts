// Writes every chunk of one scale that lies in a voxel block, to each volume target: whole shard files
// (sharded.md) or one object per chunk (volume.md, "Unsharded chunk storage"). The block must start on a
// chunk boundary and end on one or at the volume's edge; when sharded it must hold whole shards, which the
// plan guarantees for a cube at the scales it owns (cube-sharding.ts) and for the reduce step's volume.
import { mapLimit } from "../util/map-limit.js";
import { NO_PROBE, type Probe } from "../util/probe.js";
import { chunkBox, boxSize, unshardedChunkName, type VoxelBox } from "./chunk-key.js";
import { encodeJpegChunkInto, jpegBufferSize } from "./chunk-encoding.js";
import { encodePngChunk } from "./png-chunk.js";
import { compressedMortonCode, type Vec3 } from "./morton.js";
import type { ScalePlan } from "./pyramid-plan.js";
import { ShardAssembler, shardOrder } from "./shard-encoder.js";
import { shardFileName, shardLocation } from "./sharding.js";
import { contiguousBox, extractBox, extractBoxInto, voxelCount, type VoxelBlock } from "./voxel-box.js";
import { jpegQualityOf, targetSharding, type VolumeTarget } from "./volume-target.js";

/** Chunk encodes in flight at once (the JPEG encoder runs them on libuv's pool). */
const ENCODE_CONCURRENCY = 4;

/**
 * produce(items[i]) with at most `limit` in flight, consume(result) strictly in item order. A failure
 * rejects the whole call (results produced ahead of it are dropped, never left unhandled).
 */
async function pipelineInOrder<T, R>(items: readonly T[], limit: number, produce: (item: T) => Promise<R>, consume: (result: R) => void): Promise<void> {
  const ahead: Array<Promise<R>> = [];
  let next = 0;
  for (let i = 0; i < items.length; i++) {
    while (next < items.length && next < i + limit) {
      const p = produce(items[next++]);
      p.catch(() => undefined);
      ahead.push(p);
    }
    consume(await ahead.shift()!);
  }
}

/** Grid cells of the scale covered by the block, x fastest. */
export function blockChunks(scale: ScalePlan, chunk: Vec3, block: VoxelBlock): Array<[number, number, number]> {
  const lo = [0, 0, 0];
  const hi = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    const end = block.origin[d] + block.size[d];
    if (block.origin[d] % chunk[d] !== 0 || (end % chunk[d] !== 0 && end !== scale.size[d]) || end > scale.size[d]) {
      throw new RangeError(`scale ${scale.key}: block [${block.origin}] + [${block.size}] is not chunk-aligned`);
    }
    lo[d] = block.origin[d] / chunk[d];
    hi[d] = Math.ceil(end / chunk[d]);
  }
  const cells: Array<[number, number, number]> = [];
  for (let z = lo[2]; z < hi[2]; z++) for (let y = lo[1]; y < hi[1]; y++) for (let x = lo[0]; x < hi[0]; x++) cells.push([x, y, z]);
  return cells;
}

/**
 * Equal-sized buffers for one writeScaleBlock call, reused from chunk to chunk: no allocation (and no page
 * faults on fresh memory) per chunk. A buffer goes back only when nothing still reads it. The size is asked
 * for at the first allocation (a raw-only call never sizes JPEG buffers).
 */
class BufferPool {
  private readonly free: Uint8Array[] = [];
  constructor(private readonly length: () => number) {}
  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(this.length());
  }
  give(buf: Uint8Array): void {
    this.free.push(buf);
  }
}

/** One chunk's encoded bytes; they may live in a pooled buffer, which `release` returns to its pool. */
interface Encoded {
  data: Uint8Array;
  release: () => void;
}

export async function writeScaleBlock(scale: ScalePlan, chunk: Vec3, block: VoxelBlock, targets: readonly VolumeTarget[], probe: Probe = NO_PROBE): Promise<void> {
  const cells = blockChunks(scale, chunk, block);
  const voxelPool = new BufferPool(() => voxelCount(chunk));
  const jpegPool = new BufferPool(() => jpegBufferSize(chunk));
  const noop = (): void => undefined;
  // A chunk's voxels: a view of the block when contiguous in it (the block does not change while this call
  // runs), else a copy into a pooled buffer.
  const encodeBox = async (box: VoxelBox, target: VolumeTarget): Promise<Encoded> => {
    const view = contiguousBox(block, box);
    const voxelBuf = view ? undefined : voxelPool.take();
    const voxels = view ?? probe.stepSync("chunk-copy", () => extractBoxInto(block, box, voxelBuf!));
    const releaseVoxels = voxelBuf ? () => voxelPool.give(voxelBuf) : noop;
    if (target.encoding === "raw") return { data: voxels, release: releaseVoxels };
    if (target.encoding === "png") {
      const data = encodePngChunk(voxels, boxSize(box));
      releaseVoxels();
      return { data, release: noop };
    }
    const jpegBuf = jpegPool.take();
    try {
      const data = await probe.step("jpeg-encode", () => encodeJpegChunkInto(voxels, boxSize(box), jpegQualityOf(target), jpegBuf));
      return { data, release: () => jpegPool.give(jpegBuf) };
    } finally {
      releaseVoxels();
    }
  };
  for (const target of targets) {
    const prefix = `${target.keyPrefix ?? ""}${scale.key}/`;
    const sharding = targetSharding(scale, target);
    if (!sharding) {
      // put may keep the bytes it is given (an in-memory store does): hand it buffers of their own.
      await mapLimit(cells, ENCODE_CONCURRENCY, async (g) => {
        const box = chunkBox(g, chunk, scale.size);
        if (target.encoding === "raw") return target.put(prefix + unshardedChunkName(box), extractBox(block, box));
        const encoded = await encodeBox(box, target);
        const bytes = encoded.data.slice();
        encoded.release();
        await target.put(prefix + unshardedChunkName(box), bytes);
      });
      continue;
    }
    // Group by shard; one shard at a time, its chunks encoded ENCODE_CONCURRENCY ahead and appended in
    // file order straight into the shard's buffer (shard-encoder.ts), so memory holds one shard file.
    const byShard = new Map<bigint, Map<bigint, Vec3>>();
    for (const g of cells) {
      const id = compressedMortonCode(g, scale.grid);
      const { shard } = shardLocation(id, sharding);
      const ids = byShard.get(shard) ?? new Map<bigint, Vec3>();
      ids.set(id, g);
      byShard.set(shard, ids);
    }
    for (const shard of [...byShard.keys()].sort((a, b) => (a < b ? -1 : 1))) {
      const cellOf = byShard.get(shard)!;
      const { slots } = shardOrder([...cellOf.keys()], sharding);
      const boxes = slots.map((slot) => chunkBox(cellOf.get(slot.chunkId)!, chunk, scale.size));
      // The reservation: raw voxels bound raw and gzip data; for JPEG they are a generous bound too.
      const assembler = new ShardAssembler(sharding, slots, boxes.reduce((n, box) => n + voxelCount(boxSize(box)), 0));
      await pipelineInOrder(
        boxes,
        ENCODE_CONCURRENCY,
        (box) => encodeBox(box, target),
        (encoded) => {
          // append copies (or gzips) the bytes into the shard buffer; then the pooled buffer is free.
          assembler.append(encoded.data);
          encoded.release();
        },
      );
      await target.put(prefix + shardFileName(shard, sharding), assembler.finish());
    }
  }
}
