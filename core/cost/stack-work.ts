// What a stack makes the pipeline do, before anything runs: tasks per stage (from the stage table's own task
// rules), the units of work the calibration prices (calibration.ts), and the objects each stage writes and
// reads (from the real pyramid plan: its cube grid, scales and shard layout). Pure: a function of the run
// manifest (enumerate.ts: the slice headers and the config) alone.
// Assumptions, named: every adjacent pair aligns (no bridge tasks, no stand-ins), and the aligned box is the
// slice's own size (alignment grows it by the drift; a few percent on a well-behaved stack). An align task
// of slice z matches it with z - 1 .. z - nAdjacent inside the stack (align-task.ts): its units are those
// pairs, and it reads their feature files and its own.
import { compressedMortonCode, listCubes, planPyramid, shardLocation, type PyramidPlan, type ScalePlan } from "../precomputed/index.js";
import type { RunManifest } from "../pipeline/manifest.js";
import { FAN_OUT, runHasStage, type FanOutStage } from "../pipeline/stages.js";
import { task, type PipelineTask } from "../pipeline/tasks.js";
import { beforeRow, MAX_SIDE } from "../report/reslices.js";

export interface StageWork {
  stage: FanOutStage;
  tasks: number;
  /** Units the calibration prices (calibration.ts stageCpu): megapixels, pairs or megavoxels. */
  units: number;
  /** Bytes of every task's JSON (what a Pub/Sub message carries). */
  messageBytes: number;
  /** Largest task JSON, bytes. */
  largestMessage: number;
}

export interface StackWork {
  run: string;
  slices: number;
  /** Source pixels per slice (before the config's downsampling). */
  sourcePixels: number;
  /** Bytes of the decoded input: slices x pixels x bytes per sample. */
  inputBytes: number;
  pyramid: PyramidPlan;
  /** Rendered tiles per slice (render-task.ts: the box cut into the cube's xy extent). */
  tilesPerSlice: number;
  stages: StageWork[];
  /** Shard (or chunk) objects per volume written by the pyramid tasks and by the reduce step. */
  cubeObjects: number;
  reduceObjects: number;
  /** ng/jpeg, and ng/raw when config.raw. */
  volumes: number;
  /** Reads of finalize's report (core/report/reslices.ts): the volume's info, three ranged reads per chunk
   * the two "after" planes cross (shard index, minishard index, chunk), and the slices "before" decodes. */
  reportReads: number;
  /** Scale-0 voxels. */
  voxels: number;
  /** Pairs the align tasks match: each slice with the up to nAdjacent slices before it. */
  alignPairs: number;
  /** Feature files the align tasks read: each its own slice's and one per pair. */
  alignFeatureReads: number;
}

/**
 * `box`: the aligned box's size when it is known (after a run: report/summary.json); before a run the model
 * assumes the slices' own size (drift makes the real box somewhat larger).
 */
export function stackWork(manifest: RunManifest, box?: { width: number; height: number }): StackWork {
  const n = manifest.slices.length;
  const { config } = manifest;
  const { width, height } = box ?? manifest;
  const c = config.cube;
  const pyramid = planPyramid({ size: [width, height, n], resolution: config.resolution, cube: [c, c, c] });
  const cubes = listCubes(pyramid);
  const sourcePixels = manifest.sourceWidth * manifest.sourceHeight;
  const plan = { cubes };
  const tasksOf = (stage: FanOutStage): PipelineTask[] => {
    const spec = FAN_OUT.find((s) => s.name === stage);
    if (!spec || !runHasStage(spec, manifest)) return [];
    const zs = manifest.slices.map((s) => s.z);
    switch (stage) {
      case "features":
        return zs.map((z) => task.features(manifest.run, z));
      case "align":
        return zs.slice(1).map((z) => task.align(manifest.run, z));
      case "bridge":
        return [];
      case "render":
        return zs.map((z) => task.render(manifest.run, z));
      case "pyramid":
        return plan.cubes.map((cube) => task.pyramid(manifest.run, cube));
    }
  };
  const alignTasks = tasksOf("align").length;
  // The task at index i (i >= 1) matches min(i, nAdjacent) pairs.
  const alignPairs = alignTasks === 0 ? 0 : pairsWithin(n, config.align.nAdjacent);
  const unitsOf = (stage: FanOutStage, tasks: number): number => {
    if (stage === "features" || stage === "render") return (tasks * sourcePixels) / 1e6;
    if (stage === "pyramid") return tasks === 0 ? 0 : (width * height * n) / 1e6;
    if (stage === "align") return alignPairs;
    return tasks;
  };
  const stages = FAN_OUT.map((spec): StageWork => {
    const list = tasksOf(spec.name);
    const sizes = list.map((t) => Buffer.byteLength(JSON.stringify(t)));
    return {
      stage: spec.name,
      tasks: list.length,
      units: unitsOf(spec.name, list.length),
      messageBytes: sizes.reduce((a, b) => a + b, 0),
      largestMessage: sizes.reduce((a, b) => Math.max(a, b), 0),
    };
  });
  const volumes = config.raw ? 2 : 1;
  const owned = pyramid.scales.filter((s) => s.owner === "cube");
  const above = pyramid.scales.filter((s) => s.owner === "reduce");
  return {
    run: manifest.run,
    slices: n,
    sourcePixels,
    inputBytes: n * sourcePixels * (manifest.depth / 8),
    pyramid,
    tilesPerSlice: Math.ceil(width / pyramid.cube[0]) * Math.ceil(height / pyramid.cube[1]),
    stages,
    cubeObjects: volumes * owned.reduce((sum, s) => sum + objectsOfScale(s), 0),
    reduceObjects: volumes * above.reduce((sum, s) => sum + objectsOfScale(s), 0),
    volumes,
    reportReads: resliceReads(pyramid),
    voxels: width * height * n,
    alignPairs,
    alignFeatureReads: alignTasks + alignPairs,
  };
}

/** Pairs of slices at most k apart in a stack of n: sum over i = 1..n-1 of min(i, k). */
export function pairsWithin(n: number, k: number): number {
  let pairs = 0;
  for (let i = 1; i < n; i++) pairs += Math.min(i, k);
  return pairs;
}

/**
 * Objects a scale is stored in: its distinct shard files (write-scale.ts groups chunks by shard), or one
 * object per chunk unsharded. Counted over the chunk grid by the same shard function the writer uses.
 */
export function objectsOfScale(scale: ScalePlan): number {
  const [gx, gy, gz] = scale.grid;
  if (!scale.sharding) return gx * gy * gz;
  const shards = new Set<bigint>();
  for (let z = 0; z < gz; z++) {
    for (let y = 0; y < gy; y++) {
      for (let x = 0; x < gx; x++) shards.add(shardLocation(compressedMortonCode([x, y, z], scale.grid), scale.sharding).shard);
    }
  }
  return shards.size;
}

export function stageWork(work: StackWork, stage: FanOutStage): StageWork {
  const found = work.stages.find((s) => s.stage === stage);
  if (!found) throw new Error(`no stage ${stage} in the work of run ${work.run}`);
  return found;
}

function resliceReads(pyramid: PyramidPlan): number {
  const scale = pyramid.scales.find((sc) => sc.size[0] <= MAX_SIDE && sc.size[1] <= MAX_SIDE) ?? pyramid.scales[0];
  const [gx, gy, gz] = [0, 1, 2].map((d) => Math.ceil(scale.size[d] / pyramid.chunk[d]));
  const depth = scale.size[2];
  const before = new Set(Array.from({ length: depth }, (_, k) => beforeRow(k, depth))).size;
  return 1 + 3 * gz * (gx + gy) + before;
}
