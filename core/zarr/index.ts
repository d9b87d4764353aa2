// emingest's OME-Zarr 0.5 writer (zarr v3, sharding_indexed with zstd inner chunks).
export { crc32c } from "./crc32c.js";
export { ZSTD_LEVEL, zstdCompress, zstdDecompress } from "./zstd.js";
export { ZARR_PREFIX, ZARR_JSON, levelPath, shardShapeXYZ, shardKey, shardsInBox, zyx } from "./zarr-layout.js";
export { arrayMetadata, groupMetadata, jsonBytes, voxelZeroCentre, INNER_CODECS, INDEX_CODECS, type ScalePlacement } from "./zarr-metadata.js";
export { encodeZarrShard, writeZarrBlock } from "./shard-writer.js";
export { zarrBlockWriters, zarrMetadataKeys, writeZarrMetadata } from "./zarr-output.js";
