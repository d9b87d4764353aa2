// The reduce step (part of the finalize step, core/pipeline/finalize.ts): the whole volume at plan.handoffScale, assembled from every cube's
// handoff, then every scale above the cube scales written down to a single chunk. Memory: the handoff
// volume (the scale-0 volume / (cube voxels / handoff voxels)) plus its downsampled copies.
import { downsampleMean } from "./downsample.js";
import type { PyramidPlan } from "./pyramid-plan.js";
import { placeBox, voxelBlock, voxelCount, type VoxelBlock } from "./voxel-box.js";
import type { VolumeTarget } from "./volume-target.js";
import { writeScaleBlock } from "./write-scale.js";
import type { BlockWriter, CubeHandoff } from "./write-cube.js";

/** The handoff scale's whole volume from the cubes' handoffs (each cube exactly once). */
export function assembleHandoff(plan: PyramidPlan, parts: Iterable<CubeHandoff>): VoxelBlock {
  if (plan.handoffScale === undefined) throw new RangeError("assembleHandoff: the cubes write every scale; there is nothing to reduce");
  const scale = plan.scales[plan.handoffScale];
  const volume = voxelBlock(new Uint8Array(voxelCount(scale.size)), [0, 0, 0], scale.size);
  let placed = 0;
  for (const part of parts) {
    if (part.scale !== plan.handoffScale) throw new RangeError(`assembleHandoff: cube ${part.cube} handed off scale ${part.scale}, not ${plan.handoffScale}`);
    const b = part.block;
    placeBox(volume, { begin: b.origin, end: [b.origin[0] + b.size[0], b.origin[1] + b.size[1], b.origin[2] + b.size[2]] }, b.data);
    placed += b.data.length;
  }
  if (placed !== volume.data.length) throw new RangeError(`assembleHandoff: cubes covered ${placed} of ${volume.data.length} voxels`);
  return volume;
}

export interface ReduceTask {
  plan: PyramidPlan;
  /** The whole volume at plan.handoffScale, x fastest. */
  voxels: Uint8Array;
  targets: readonly VolumeTarget[];
  blockWriters?: readonly BlockWriter[];
}

export async function writeReduce(task: ReduceTask): Promise<void> {
  const { plan, targets } = task;
  if (plan.handoffScale === undefined) return;
  const last = plan.scales.length - 1;
  let block = voxelBlock(task.voxels, [0, 0, 0], plan.scales[plan.handoffScale].size);
  for (let s = plan.handoffScale; s <= last; s++) {
    if (s > plan.topCubeScale) {
      await writeScaleBlock(plan.scales[s], plan.chunk, block, targets);
      for (const write of task.blockWriters ?? []) await write(s, block);
    }
    if (s === last) break;
    const next = downsampleMean(block.data, block.size, plan.scales[s + 1].factor);
    block = voxelBlock(next.data, [0, 0, 0], next.size);
  }
}
