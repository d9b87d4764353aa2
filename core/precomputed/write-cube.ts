// The pyramid task (core/pipeline/pyramid-task.ts): one cube's scale-0 voxels in, every scale the cube owns written
// (0..plan.topCubeScale), and the cube's voxels at plan.handoffScale returned for the reduce step.
// Memory: the cube plus its downsampled copies (<= 8/7 of the cube for 2x2x2) and one shard's encoded chunks.
import { NO_PROBE, type Probe } from "../util/probe.js";
import type { Vec3 } from "./morton.js";
import { downsampleMean } from "./downsample.js";
import { cubeBoxAt, type PyramidPlan } from "./pyramid-plan.js";
import { voxelBlock, type VoxelBlock } from "./voxel-box.js";
import type { VolumeTarget } from "./volume-target.js";
import { writeScaleBlock } from "./write-scale.js";

export interface CubeTask {
  plan: PyramidPlan;
  cube: Vec3;
  /** Scale-0 voxels of cubeBoxAt(plan, cube, 0) (clipped to the volume), x fastest. */
  voxels: Uint8Array;
  /** One or more volumes (e.g. ng/jpeg/ and ng/raw/) written from the same voxels. */
  targets: readonly VolumeTarget[];
  /** Other formats written from the same blocks (the OME-Zarr copy, core/zarr/), after the targets. */
  blockWriters?: readonly BlockWriter[];
  /** Names the box-downsample and encode steps for a bench; default NO_PROBE. */
  probe?: Probe;
}

/** Writes scale s of the pyramid from a block that holds whole output files of that scale. */
export type BlockWriter = (s: number, block: VoxelBlock) => Promise<void>;

export interface CubeHandoff {
  cube: [number, number, number];
  scale: number;
  block: VoxelBlock;
}

export async function writeCube(task: CubeTask): Promise<CubeHandoff | undefined> {
  const { plan, cube, targets } = task;
  const probe = task.probe ?? NO_PROBE;
  const box0 = cubeBoxAt(plan, cube, 0);
  let block = voxelBlock(task.voxels, box0.begin, [0, 1, 2].map((d) => box0.end[d] - box0.begin[d]) as [number, number, number]);
  const lastScale = plan.handoffScale ?? plan.topCubeScale;
  for (let s = 0; s <= lastScale; s++) {
    if (s <= plan.topCubeScale) {
      await writeScaleBlock(plan.scales[s], plan.chunk, block, targets, probe);
      for (const write of task.blockWriters ?? []) await write(s, block);
    }
    if (s === lastScale) break;
    const from = block;
    const next = probe.stepSync("box-downsample", () => downsampleMean(from.data, from.size, plan.scales[s + 1].factor));
    const box = cubeBoxAt(plan, cube, s + 1);
    block = voxelBlock(next.data, box.begin, next.size);
  }
  if (plan.handoffScale === undefined) return undefined;
  return { cube: [cube[0], cube[1], cube[2]], scale: plan.handoffScale, block };
}
