// End to end in memory: the complete key set of a small volume, info included, and idempotency
// (a redelivered cube or reduce task rewrites byte-identical objects).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as precomputed from "../../core/precomputed/index.js";
import { assembleHandoff, cubeBoxAt, infoBytes, listCubes, planPyramid, writeCube, writeReduce, type CubeHandoff, type VolumeTarget } from "../../core/precomputed/index.js";
import { crop, testVolume } from "./support.js";

async function writeAll(): Promise<Map<string, Uint8Array>> {
  const store = new Map<string, Uint8Array>();
  const put = async (key: string, bytes: Uint8Array): Promise<void> => {
    assert.ok(!store.has(key), `${key} written twice`);
    store.set(key, bytes);
  };
  // 40x30x10 at 4x4x8 nm, chunk 16 (z clamps to 16), cube 32x32x16 -> cube grid 2x1x1.
  const plan = planPyramid({ size: [40, 30, 10], resolution: [4, 4, 8], chunk: [16, 16, 16], cube: [32, 32, 16] });
  const targets: VolumeTarget[] = [{ encoding: "raw", put }];
  await put("info", infoBytes(plan, targets[0]));
  const volume = testVolume(plan.size);
  const handoffs: CubeHandoff[] = [];
  for (const cube of listCubes(plan)) {
    const box = cubeBoxAt(plan, cube, 0);
    const h = await writeCube({ plan, cube, voxels: crop(volume, plan.size, box.begin, box.end), targets });
    if (h) handoffs.push(h);
  }
  await writeReduce({ plan, voxels: assembleHandoff(plan, handoffs).data, targets });
  return store;
}

test("complete key set of a small sharded raw volume, and identical bytes on a rerun", async () => {
  const first = await writeAll();
  // Scale 0: grid 3x2x1 -> bits 2,1,0; cube = 2x2 chunks -> prefix x0 y0; shard = x1 -> 0.shard, 1.shard.
  // Scale 1 (8,8,16 nm; 20x15x5): grid 2x1x1, cube = 1x1 chunk -> shard = x0 -> two shard files, one per cube.
  // Scale 2 (16,16,32 nm; 10x8x3): one chunk, written by the reduce step.
  assert.deepEqual([...first.keys()].sort(), ["16_16_32/0.shard", "4_4_8/0.shard", "4_4_8/1.shard", "8_8_16/0.shard", "8_8_16/1.shard", "info"]);
  const second = await writeAll();
  for (const [key, bytes] of first) assert.deepEqual(second.get(key), bytes, key);
});

test("the index exports exactly this list", () => {
  assert.deepEqual(Object.keys(precomputed).sort(), [
    "DEFAULT_JPEG_QUALITY", "PNG_DEFLATE_LEVEL", "PRESHIFT_BITS", "assembleHandoff", "bitsFor", "blockChunks", "boxSize", "buildInfo", "chunkBox",
    "compressedMortonCode", "cubeBoxAt", "cubeSharding", "decodeChunk", "decodeCompressedMortonCode", "decodeJpegChunk", "decodeMinishardIndex",
    "decodePngChunk", "decodeRawChunk", "decodeWith", "downsampleMean", "downsampledSize", "encodeChunk", "encodeJpegChunk", "encodePngChunk", "encodeRawChunk",
    "encodeShard", "encodeWith", "extractBox", "extractBoxInto", "gridSize", "hashedChunkId", "infoBytes", "jpegQualityOf", "listCubes",
    "listShardChunks", "minishardIndexRange", "mortonBitOrder", "mortonBits", "murmurhash3X86_128Low64", "placeBox", "planPyramid",
    "readShardedChunk", "shardFileName", "shardIndexSize", "shardLocation", "shardingSpec", "targetSharding", "uint64LE",
    "unshardedChunkName", "voxelBlock", "voxelCount", "writeCube", "writeReduce", "writeScaleBlock",
  ]);
});
