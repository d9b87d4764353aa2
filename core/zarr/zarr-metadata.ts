// The zarr.json documents of the OME-Zarr copy: one group holding OME-NGFF 0.5 `multiscales`
// (ngff.openmicroscopy.org/0.5, "multiscales": axes, datasets, coordinateTransformations) and one zarr v3
// array per scale (zarr-specs v3 core "Array metadata", codecs/sharding-indexed, codecs/zstd,
// codecs/crc32c). Pure: the same plan and placement give the same bytes.
//
// Placement follows the precomputed volume: each dataset's `scale` is that scale's resolution in nm and
// its `translation` is voxel_offset * resolution, both taken from the precomputed `info` (so an
// OME-Zarr voxel index i lands where precomputed voxel i of the same scale does). Both are listed z, y, x.
import type { PyramidPlan } from "../precomputed/index.js";
import { levelPath, shardShapeXYZ, zyx } from "./zarr-layout.js";
import { ZSTD_LEVEL } from "./zstd.js";

/** What the metadata needs of each precomputed scale (ScaleInfo of info.ts has both). */
export interface ScalePlacement {
  resolution: [number, number, number];
  voxel_offset: [number, number, number];
}

/** Inner chunk codecs: uint8 needs no endianness; one zstd frame per chunk. */
export const INNER_CODECS = [{ name: "bytes" }, { name: "zstd", configuration: { level: ZSTD_LEVEL, checksum: false } }];
/** The shard index: little-endian uint64 (offset, nbytes) pairs, then its CRC-32C. */
export const INDEX_CODECS = [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }];

export function arrayMetadata(plan: PyramidPlan, s: number): Record<string, unknown> {
  const scale = plan.scales[s];
  return {
    zarr_format: 3,
    node_type: "array",
    shape: zyx(scale.size),
    data_type: "uint8",
    chunk_grid: { name: "regular", configuration: { chunk_shape: zyx(shardShapeXYZ(plan, s)) } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [
      {
        name: "sharding_indexed",
        configuration: { chunk_shape: zyx(plan.chunk), codecs: INNER_CODECS, index_codecs: INDEX_CODECS, index_location: "end" },
      },
    ],
    attributes: {},
    dimension_names: ["z", "y", "x"],
  };
}

export function groupMetadata(plan: PyramidPlan, placement: readonly ScalePlacement[], name: string): Record<string, unknown> {
  if (placement.length !== plan.scales.length) {
    throw new RangeError(`zarr metadata: ${placement.length} placed scales for a pyramid of ${plan.scales.length}`);
  }
  const axes = ["z", "y", "x"].map((a) => ({ name: a, type: "space", unit: "nanometer" }));
  const datasets = placement.map((p, s) => ({
    path: levelPath(s),
    coordinateTransformations: [
      { type: "scale", scale: zyx(p.resolution) },
      { type: "translation", translation: zyx(p.voxel_offset.map((o, d) => o * p.resolution[d]) as [number, number, number]) },
    ],
  }));
  return {
    zarr_format: 3,
    node_type: "group",
    attributes: { ome: { version: "0.5", multiscales: [{ name, axes, datasets, type: "mean" }] } },
  };
}

export function jsonBytes(doc: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);
}
