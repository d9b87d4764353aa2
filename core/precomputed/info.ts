// The `info` file of a neuroglancer_multiscale_volume (volume.md, "info JSON file specification").
// uint8 image, one channel, voxel_offset 0 at every scale, one chunk size per scale (required when sharded).
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

export function buildInfo(plan: PyramidPlan, volume: VolumeEncoding): VolumeInfo {
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
        voxel_offset: [0, 0, 0],
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
export function infoBytes(plan: PyramidPlan, volume: VolumeEncoding): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(buildInfo(plan, volume), null, 2)}\n`);
}
