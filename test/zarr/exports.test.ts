import { test } from "node:test";
import assert from "node:assert/strict";
import * as zarr from "../../core/zarr/index.js";

test("the zarr index exports exactly this list", () => {
  assert.deepEqual(Object.keys(zarr).sort(), [
    "INDEX_CODECS", "INNER_CODECS", "ZARR_JSON", "ZARR_PREFIX", "ZSTD_LEVEL", "arrayMetadata", "crc32c", "encodeZarrShard",
    "groupMetadata", "jsonBytes", "levelPath", "shardKey", "shardShapeXYZ", "shardsInBox", "voxelZeroCentre", "writeZarrBlock", "writeZarrMetadata",
    "zarrBlockWriters", "zarrMetadataKeys", "zstdCompress", "zstdDecompress", "zyx",
  ]);
});
