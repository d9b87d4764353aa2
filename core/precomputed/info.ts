// The `info` file of a neuroglancer_multiscale_volume (volume.md, "info JSON file specification").
// uint8 image, one channel, one chunk size per scale (required when sharded).
// Placement: scale 0 starts at `voxel_offset` (the volume's place in a larger one: placement.ts); scale s
// starts at floor(offset / downsample_s), the convention of cloud-volume and igneous. Where the offset is not
// a multiple of a scale's factor, that scale sits up to (offset mod factor) scale-0 voxels before the exact
// place (less than one of its own voxels). The chunk grid starts at voxel_offset (volume.md "Chunked
// representation"), so the offset changes `info` only: the same chunks and shards hold the same voxels.
import type { ChunkEncoding } from "./chunk-encoding.js";
import type { PyramidPlan } from "./pyramid-plan.js";
import type { ShardingSpec } from "./sharding.js";
import { jpegQualityOf, targetSharding, type VolumeEncoding } from "./volume-target.js";

export interface ScaleInfo {
  key: string;
  size: [number, number, number];
  resolution: [number, number, number];
  voxel_offset: [number, number, number];
  chunk_sizes: Array<[number, number, number]>;
  encoding: ChunkEncoding;
  /** Read by tensorstore when it writes; neuroglancer ignores it. */
  jpeg_quality?: number;
  sharding?: ShardingSpec;
}

export interface VolumeInfo {
  "@type": "neuroglancer_multiscale_volume";
  type: "image";
  data_type: "uint8";
  num_channels: 1;
  scales: ScaleInfo[];
}

/** Scale-0 voxel_offset (x, y, z) of the volume; [0, 0, 0] when it stands alone. */
export type VoxelOffset = readonly [number, number, number];

export function buildInfo(plan: PyramidPlan, volume: VolumeEncoding, offset: VoxelOffset = [0, 0, 0]): VolumeInfo {
  if (!offset.every(Number.isSafeInteger)) throw new RangeError(`buildInfo: voxel_offset ${offset.join(",")} must be whole numbers`);
  // Unsharded chunk names hold absolute coordinates (chunk-key.ts writes them from 0).
  if (!plan.sharded && offset.some((v) => v !== 0)) throw new RangeError(`buildInfo: an unsharded volume is written at voxel_offset 0, not ${offset.join(",")}`);
  return {
    "@type": "neuroglancer_multiscale_volume",
    type: "image",
    data_type: "uint8",
    num_channels: 1,
    scales: plan.scales.map((s) => {
      const info: ScaleInfo = {
        key: s.key,
        size: [...s.size],
        resolution: [...s.resolution],
        voxel_offset: [0, 1, 2].map((d) => Math.floor(offset[d] / s.downsample[d])) as [number, number, number],
        chunk_sizes: [[...plan.chunk]],
        encoding: volume.encoding,
      };
      if (volume.encoding === "jpeg") info.jpeg_quality = jpegQualityOf(volume);
      const sharding = targetSharding(s, volume);
      if (sharding) info.sharding = { ...sharding };
      return info;
    }),
  };
}

/** The info file's bytes (UTF-8 JSON, 2-space indent, trailing newline). */
export function infoBytes(plan: PyramidPlan, volume: VolumeEncoding, offset: VoxelOffset = [0, 0, 0]): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(buildInfo(plan, volume, offset), null, 2)}\n`);
}
