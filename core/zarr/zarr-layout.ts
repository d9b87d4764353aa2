// Where the OME-Zarr copy of the pyramid lives and how its arrays are cut (zarr-specs v3 core, "regular"
// chunk grid and "default" chunk key encoding; codecs/sharding-indexed). Pure.
//
// One zarr array per pyramid scale, with the same shape, inner chunk shape (plan.chunk) and writer as the
// precomputed scale. The shard shape of a scale the cubes own is the cube's extent at that scale (a whole
// number of chunks, pyramid-plan.ts), or the whole scale rounded up to chunks along a dimension with a
// single cube: so each cube task writes exactly one shard per scale, and no shard has two writers. Scales
// above the cube size have one writer (the reduce step) and reuse the scale-0 cube extent, clamped to the
// scale rounded up to chunks. Arrays are (z, y, x) with x fastest (C order), which is the voxel order of
// every buffer in core/precomputed: a chunk's bytes need no transposition.
import type { PyramidPlan, Vec3 } from "../precomputed/index.js";

type V3 = [number, number, number];

/** The group's prefix, relative to the run's output root. */
export const ZARR_PREFIX = "ng/zarr/";

/** The group's metadata document and each array's (zarr-specs v3 core, "Metadata"). */
export const ZARR_JSON = "zarr.json";

/** The path of scale s's array inside the group (the OME `datasets[s].path`). */
export function levelPath(s: number): string {
  return String(s);
}

function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}

/** Shard shape of scale s in voxels, [x, y, z]. */
export function shardShapeXYZ(plan: PyramidPlan, s: number): V3 {
  const scale = plan.scales[s];
  return [0, 1, 2].map((d) => {
    const whole = roundUp(scale.size[d], plan.chunk[d]);
    if (scale.owner === "reduce") return Math.min(plan.cube[d], whole);
    return plan.cubeGrid[d] === 1 ? whole : plan.cube[d] / scale.downsample[d];
  }) as V3;
}

/** (z, y, x) order of an [x, y, z] triple. */
export function zyx(v: Vec3): V3 {
  return [v[2], v[1], v[0]];
}

/** Key of the shard with grid index [x, y, z] of scale s, relative to ZARR_PREFIX ("0/c/z/y/x"). */
export function shardKey(s: number, shard: Vec3): string {
  return `${levelPath(s)}/c/${shard[2]}/${shard[1]}/${shard[0]}`;
}

/** Grid index [x, y, z] of every shard of scale s that intersects the voxel box [begin, end). */
export function shardsInBox(plan: PyramidPlan, s: number, begin: Vec3, end: Vec3): V3[] {
  const shape = shardShapeXYZ(plan, s);
  const lo = [0, 1, 2].map((d) => Math.floor(begin[d] / shape[d]));
  const hi = [0, 1, 2].map((d) => Math.ceil(end[d] / shape[d]));
  const out: V3[] = [];
  for (let z = lo[2]; z < hi[2]; z++) for (let y = lo[1]; y < hi[1]; y++) for (let x = lo[0]; x < hi[0]; x++) out.push([x, y, z]);
  return out;
}
