// emingest's neuroglancer precomputed writer (volume.md, sharded.md of google/neuroglancer).
export { bitsFor, mortonBits, mortonBitOrder, compressedMortonCode, decodeCompressedMortonCode, type Vec3 } from "./morton.js";
export { chunkBox, boxSize, unshardedChunkName, gridSize, type VoxelBox } from "./chunk-key.js";
export {
  shardingSpec,
  uint64LE,
  murmurhash3X86_128Low64,
  hashedChunkId,
  shardLocation,
  shardFileName,
  type ShardingSpec,
  type ShardHash,
  type ShardEncoding,
  type ShardLocation,
} from "./sharding.js";
export { encodeShard, encodeWith, type ShardEntry } from "./shard-encoder.js";
export {
  decodeWith,
  shardIndexSize,
  minishardIndexRange,
  decodeMinishardIndex,
  readShardedChunk,
  listShardChunks,
  type RangeReader,
  type ByteRange,
  type MinishardEntry,
} from "./shard-reader.js";
export { cubeSharding, PRESHIFT_BITS, type CubeSharding } from "./cube-sharding.js";
export { encodeRawChunk, decodeRawChunk, encodeJpegChunk, decodeJpegChunk, encodeChunk, decodeChunk, type ChunkEncoding, type LosslessEncoding } from "./chunk-encoding.js";
export { encodePngChunk, decodePngChunk, PNG_DEFLATE_LEVEL } from "./png-chunk.js";
export { downsampleMean, downsampledSize } from "./downsample.js";
export { voxelBlock, voxelCount, extractBox, extractBoxInto, placeBox, type VoxelBlock } from "./voxel-box.js";
export { planPyramid, listCubes, cubeBoxAt, type PlanOptions, type ScalePlan, type PyramidPlan } from "./pyramid-plan.js";
export { DEFAULT_JPEG_QUALITY, jpegQualityOf, targetSharding, type PutFn, type VolumeEncoding, type VolumeTarget } from "./volume-target.js";
export { buildInfo, infoBytes, type VolumeInfo, type ScaleInfo, type VoxelOffset } from "./info.js";
export { blockChunks, writeScaleBlock } from "./write-scale.js";
export { writeCube, type BlockWriter, type CubeTask, type CubeHandoff } from "./write-cube.js";
export { assembleHandoff, writeReduce, type ReduceTask } from "./write-reduce.js";
