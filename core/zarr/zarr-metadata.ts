// The zarr.json documents of the OME-Zarr copy: one group holding OME-NGFF 0.5 `multiscales`
// (ngff.openmicroscopy.org/0.5, "multiscales": axes, datasets, coordinateTransformations) and one zarr v3
// array per scale (zarr-specs v3 core "Array metadata", codecs/sharding-indexed, codecs/zstd,
// codecs/crc32c). Pure: the same plan and placement give the same bytes.
//
// Placement follows the precomputed volume: each dataset's `scale` is that scale's resolution in nm and
// its `translation` the centre of its voxel 0: scale s's voxel 0 is the mean of scale 0's voxels
// [o, o + f) (o = scale 0's voxel_offset, f = the scale's factor), so the centre is (o + f / 2) * scale 0's
// resolution. The half voxel: NGFF transforms place voxel centres (neuroglancer 2.41 subtracts scale / 2
// from an OME translation to get the corner), while a precomputed voxel i covers [voxel_offset + i,
// voxel_offset + i + 1) * resolution; without it neuroglancer drew the zarr layer half a voxel off the
// precomputed one (test/report/viewer.test.ts). Where o is a multiple of f this is (voxel_offset + 0.5) *
// resolution of that scale's `info`, exactly the precomputed placement. Where it is not, the precomputed
// format cannot say it (voxel_offset is an integer: that scale's info says floor(o / f), half a voxel of
// that scale off, as igneous's pyramids are; seung-lab/tinybrain#5), and the OME-Zarr copy is the exact one.
// Both are listed z, y, x.
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
  const base = placement[0];
  const datasets = placement.map((p, s) => ({
    path: levelPath(s),
    coordinateTransformations: [
      { type: "scale", scale: zyx(p.resolution) },
      { type: "translation", translation: zyx(voxelZeroCentre(base, p)) },
    ],
  }));
  return {
    zarr_format: 3,
    node_type: "group",
    attributes: { ome: { version: "0.5", multiscales: [{ name, axes, datasets, type: "mean" }] } },
  };
}

/** Where the centre of `scale`'s voxel 0 is, in nm: (o + f / 2) * r of scale 0 (o its offset, f the factor). */
export function voxelZeroCentre(base: ScalePlacement, scale: ScalePlacement): [number, number, number] {
  return base.voxel_offset.map((o, d) => (o + scale.resolution[d] / base.resolution[d] / 2) * base.resolution[d]) as [number, number, number];
}

export function jsonBytes(doc: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);
}
