// The pyramid plan: scales, chunking, sharding and which writer owns each scale. Pure; the plan is plain
// JSON-able data except for bigint-free numbers, so it can travel inside a task message.
//
// Scales (volume.md, "info JSON file specification"): scale s+1 = ceil(size_s / f) at resolution
// res_s * f, with f = [2, 2, fz]: fz = 1 while res_z(s) > 2 * max(res_x(s), res_y(s)) (z stays put while it
// is coarser than the next scale's xy resolution), else 2. Scales continue until the volume is one chunk.
//
// Chunk: each dimension is clamped to the volume's extent rounded up to a power of two, so a 5-slice stack
// with 64^3 chunks gets 64x64x8 chunks (smaller buffers in viewers, same chunk grid).
// Cube: scale-0 voxels per pyramid task, chunk * 2**k per dimension, clamped the same way (never below a
// chunk). A cube owns scale s when, along every dimension with more than one cube, the cube's extent at
// that scale (cube / cumulative factor) is a whole number of chunks; owned scales are 0..topCubeScale.
// Each cube hands the reduce step its voxels at handoffScale (topCubeScale + 1 when the cube can still
// compute that scale alone, which it can whenever the cube is at least 2 voxels per dimension there).
// Bounds (volume-limits.ts): a size or resolution outside them is refused, so every scale is finite and
// every key distinct; the plan checks both again on what it built.
import { gridSize, type VoxelBox } from "./chunk-key.js";
import { cubeSharding } from "./cube-sharding.js";
import type { Vec3 } from "./morton.js";
import type { ShardEncoding, ShardingSpec } from "./sharding.js";
import { resolutionProblem, volumeSizeProblem } from "./volume-limits.js";

type V3 = [number, number, number];

export interface PlanOptions {
  /** Scale-0 size in voxels. */
  size: Vec3;
  /** Scale-0 voxel size in nm. */
  resolution: Vec3;
  /** Default [64, 64, 64]. */
  chunk?: Vec3;
  /** Scale-0 voxels per pyramid task; chunk * 2**k per dimension. Default chunk * 8 (512^3 for 64^3). */
  cube?: Vec3;
  /** Default true. */
  sharded?: boolean;
  /** Default "gzip". */
  minishardIndexEncoding?: ShardEncoding;
  /** Default "raw" (a volume target may override it, e.g. gzip for raw chunks). */
  dataEncoding?: ShardEncoding;
}

export interface ScalePlan {
  index: number;
  /** Directory of the scale: "<rx>_<ry>_<rz>" in nm. */
  key: string;
  size: V3;
  resolution: V3;
  /** Factor from the previous scale ([1, 1, 1] at scale 0). */
  factor: V3;
  /** Cumulative factor from scale 0. */
  downsample: V3;
  grid: V3;
  owner: "cube" | "reduce";
  /** Present when sharded. */
  sharding?: ShardingSpec;
  shardsPerCube?: number;
}

export interface PyramidPlan {
  size: V3;
  resolution: V3;
  chunk: V3;
  cube: V3;
  /** Number of cubes per dimension. */
  cubeGrid: V3;
  sharded: boolean;
  scales: ScalePlan[];
  /** Last scale written by the cube tasks. */
  topCubeScale: number;
  /** Scale of the voxels each cube returns for the reduce step; undefined when cubes write every scale. */
  handoffScale?: number;
}

const MAX_SCALES = 64;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

function check3(name: string, v: Vec3 | undefined, positiveInt: boolean): asserts v is Vec3 {
  if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== "number" || !Number.isFinite(x) || x <= 0 || (positiveInt && !Number.isInteger(x)))) {
    throw new RangeError(`planPyramid: "${name}" must be 3 positive ${positiveInt ? "integers" : "numbers"}, got ${JSON.stringify(v)}`);
  }
}

function scaleKey(res: Vec3): string {
  return res.map((r) => String(r)).join("_");
}

export function planPyramid(opts: PlanOptions): PyramidPlan {
  check3("size", opts.size, true);
  check3("resolution", opts.resolution, false);
  const sizeProblem = volumeSizeProblem(opts.size);
  if (sizeProblem) throw new RangeError(`planPyramid: "size" ${opts.size.join("x")} cannot be written: ${sizeProblem}`);
  const resProblem = resolutionProblem(opts.resolution);
  if (resProblem) throw new RangeError(`planPyramid: "resolution" ${opts.resolution.join(",")}: ${resProblem}`);
  const chunkIn = opts.chunk ?? [64, 64, 64];
  check3("chunk", chunkIn, true);
  const size: V3 = [opts.size[0], opts.size[1], opts.size[2]];
  const chunk = [0, 1, 2].map((d) => Math.min(chunkIn[d], nextPow2(size[d]))) as V3;
  const cubeIn = opts.cube ?? ([chunk[0] * 8, chunk[1] * 8, chunk[2] * 8] as V3);
  check3("cube", cubeIn, true);
  for (let d = 0; d < 3; d++) {
    if (!isPow2(cubeIn[d] / chunk[d])) throw new RangeError(`planPyramid: "cube" must be chunk * 2**k per dimension, got cube ${cubeIn.join(",")} for chunk ${chunk.join(",")}`);
  }
  const cube = [0, 1, 2].map((d) => Math.max(chunk[d], Math.min(cubeIn[d], chunk[d] * nextPow2(Math.ceil(size[d] / chunk[d]))))) as V3;
  const cubeGrid = gridSize(size, cube);
  const sharded = opts.sharded ?? true;
  const encodings = { minishardIndexEncoding: opts.minishardIndexEncoding ?? "gzip", dataEncoding: opts.dataEncoding ?? "raw" };

  // Scale geometry.
  const geometry: Array<Pick<ScalePlan, "size" | "resolution" | "factor" | "downsample" | "grid">> = [];
  let cur = { size, resolution: [...opts.resolution] as V3, factor: [1, 1, 1] as V3, downsample: [1, 1, 1] as V3 };
  for (;;) {
    const grid = gridSize(cur.size, chunk);
    geometry.push({ ...cur, grid });
    if (grid.every((g) => g === 1)) break;
    if (geometry.length >= MAX_SCALES) throw new RangeError(`planPyramid: more than ${MAX_SCALES} scales for ${size.join("x")}`);
    const r = cur.resolution;
    const fz = r[2] > 2 * Math.max(r[0], r[1]) ? 1 : 2;
    const factor: V3 = [2, 2, fz];
    cur = {
      size: [0, 1, 2].map((d) => Math.ceil(cur.size[d] / factor[d])) as V3,
      resolution: [0, 1, 2].map((d) => r[d] * factor[d]) as V3,
      factor,
      downsample: [0, 1, 2].map((d) => cur.downsample[d] * factor[d]) as V3,
    };
  }

  // Ownership: the owned scales are a prefix because the cumulative factor only grows.
  const single = cubeGrid.map((n) => n === 1);
  const extentAt = (s: number, d: number): number => cube[d] / geometry[s].downsample[d];
  const owned = (s: number): boolean => [0, 1, 2].every((d) => single[d] || (Number.isInteger(extentAt(s, d)) && extentAt(s, d) % chunk[d] === 0));
  const computable = (s: number): boolean => [0, 1, 2].every((d) => single[d] || Number.isInteger(extentAt(s, d)));
  let top = 0;
  while (top + 1 < geometry.length && owned(top + 1)) top++;
  const last = geometry.length - 1;
  const handoffScale = top === last ? undefined : computable(top + 1) ? top + 1 : top;

  const scales: ScalePlan[] = geometry.map((g, s) => {
    const owner = s <= top ? "cube" : "reduce";
    const plan: ScalePlan = { index: s, key: scaleKey(g.resolution), ...g, owner };
    if (sharded) {
      // Reduce scales have one writer; their shards just reuse the scale-0 cube extent for a similar size.
      const extent = [0, 1, 2].map((d) =>
        owner === "cube" ? (single[d] ? Infinity : extentAt(s, d) / chunk[d]) : cube[d] / chunk[d],
      ) as V3;
      const cs = cubeSharding(g.grid, extent, encodings);
      plan.sharding = cs.spec;
      plan.shardsPerCube = cs.shardsPerCube;
    }
    return plan;
  });
  const keys = new Set(scales.map((s) => s.key));
  if (keys.size !== scales.length || scales.some((s) => !s.resolution.every(Number.isFinite))) {
    throw new RangeError(`planPyramid: scales ${scales.map((s) => s.key).join(", ")} are not finite and distinct`);
  }
  const plan: PyramidPlan = { size, resolution: [...opts.resolution] as V3, chunk, cube, cubeGrid, sharded, scales, topCubeScale: top };
  if (handoffScale !== undefined) plan.handoffScale = handoffScale;
  return plan;
}

/** Every cube coordinate of the plan, x fastest (the pyramid tasks). */
export function listCubes(plan: PyramidPlan): Array<[number, number, number]> {
  const cubes: Array<[number, number, number]> = [];
  for (let k = 0; k < plan.cubeGrid[2]; k++) for (let j = 0; j < plan.cubeGrid[1]; j++) for (let i = 0; i < plan.cubeGrid[0]; i++) cubes.push([i, j, k]);
  return cubes;
}

/** The cube's voxel box at scale s, clipped to that scale's size (valid for s <= handoff/top scale). */
export function cubeBoxAt(plan: PyramidPlan, cube: Vec3, s: number): VoxelBox {
  const sc = plan.scales[s];
  const begin = [0, 0, 0] as V3;
  const end = [0, 0, 0] as V3;
  for (let d = 0; d < 3; d++) {
    if (!Number.isInteger(cube[d]) || cube[d] < 0 || cube[d] >= plan.cubeGrid[d]) throw new RangeError(`cube ${cube.join(",")} outside cube grid ${plan.cubeGrid.join("x")}`);
    if (plan.cubeGrid[d] === 1) {
      begin[d] = 0;
      end[d] = sc.size[d];
    } else {
      const extent = plan.cube[d] / sc.downsample[d];
      if (!Number.isInteger(extent)) throw new RangeError(`scale ${s} is above what cube ${cube.join(",")} can compute`);
      begin[d] = cube[d] * extent;
      end[d] = Math.min(begin[d] + extent, sc.size[d]);
    }
  }
  return { begin, end };
}
