// Is a delivered message one of the tasks the run's plan fans out? Checked before a task runs or is recorded
// (cloud-runtime/task-delivery.ts, and every worker through createTaskRouter): the message must be exactly
// the task its id names (tasks.ts), and that task must be one the stage publishes for this run, by the rules
// of the fan-out (stages.ts): features one per slice, align from the second slice, none of
// those when the run skips alignment; render (once planned) one per slice; pyramid one per cube of the
// plan's cube grid; a bridge pair (from, z) joins two slices of the run at least 2 apart and, given the run
// store (the services), spans an adjacent pair recorded as failed, the only reason a bridge is asked for.
// The local run publishes bridge tasks only from that list, and its workers have no store.
import type { PairResult } from "../align/index.js";
import { PermanentError } from "../errors.js";
import type { ObjectStore, RunStore, TaskMessage } from "../ports.js";
import type { MetadataCache } from "./cache.js";
import { keys } from "./keys.js";
import type { RunManifest } from "./manifest.js";
import type { RunPlan } from "./run-plan.js";
import { canonicalTask, ForeignTaskError, task as taskOf, type BridgeTask, type PipelineTask } from "./tasks.js";

export interface CheckDeps {
  out: ObjectStore;
  runs?: Pick<RunStore, "getTask">;
}

export async function checkRunTask(message: TaskMessage, deps: CheckDeps, cache: MetadataCache): Promise<PipelineTask> {
  const out = deps.out;
  const task = canonicalTask(message);
  const manifest = await metadata<RunManifest>(cache, out, task, keys.manifest, "the run was not enumerated");
  if (manifest.run !== task.run) throw new ForeignTaskError(`task ${task.id}: run ${task.run} is stored as ${manifest.run}`);
  const first = manifest.slices[0].z;
  const last = manifest.slices[manifest.slices.length - 1].z;
  const inRun = (z: number) => z >= first && z <= last;
  switch (task.stage) {
    case "features":
    case "align": {
      if (manifest.config.skipAlign) throw new ForeignTaskError(`task ${task.id}: run ${task.run} skips alignment; it has no ${task.stage} tasks`);
      const partner = task.stage === "features" ? task.z : task.z - 1;
      if (!inRun(task.z) || !inRun(partner)) {
        throw new ForeignTaskError(`task ${task.id}: run ${task.run} has no ${task.stage} task for slice ${task.z} (its slices are ${first}..${last})`);
      }
      return task;
    }
    case "bridge": {
      if (manifest.config.skipAlign) throw new ForeignTaskError(`task ${task.id}: run ${task.run} skips alignment; it has no bridge tasks`);
      if (!inRun(task.from) || !inRun(task.z) || task.z - task.from < 2) {
        throw new ForeignTaskError(`task ${task.id}: (${task.from}, ${task.z}) is not a bridge pair of run ${task.run} (its slices are ${first}..${last}; a bridge spans at least one slice)`);
      }
      if (deps.runs && !(await spansFailedPair(deps.runs, task))) {
        throw new ForeignTaskError(`task ${task.id}: no adjacent pair between slices ${task.from} and ${task.z} of run ${task.run} is recorded as failed; it needs no bridge`);
      }
      return task;
    }
    case "render":
      if (!inRun(task.z)) throw new ForeignTaskError(`task ${task.id}: slice ${task.z} is not in run ${task.run} (its slices are ${first}..${last})`);
      await metadata<RunPlan>(cache, out, task, keys.plan, "the run was not planned");
      return task;
    case "pyramid": {
      const plan = await metadata<RunPlan>(cache, out, task, keys.plan, "the run was not planned");
      const grid = plan.pyramid.cubeGrid;
      if (!task.cube.every((c, i) => c < grid[i])) {
        throw new ForeignTaskError(`task ${task.id}: cube ${task.cube.join(",")} is outside run ${task.run}'s cube grid ${grid.join("x")}`);
      }
      return task;
    }
  }
}

/** A bridge pair (from, z) is asked for only around an adjacent pair (k - 1, k), from < k <= z, that failed. */
async function spansFailedPair(runs: Pick<RunStore, "getTask">, task: BridgeTask): Promise<boolean> {
  for (let k = task.from + 1; k <= task.z; k++) {
    const pair = await runs.getTask(task.run, taskOf.align(task.run, k).id);
    if (pair?.status === "done" && (pair.outcome as PairResult | null)?.ok !== true) return true;
  }
  return false;
}

/** A missing manifest or plan means the message cannot be a task of this run (yet): refused, not failed. */
async function metadata<T>(cache: MetadataCache, out: ObjectStore, task: PipelineTask, key: string, what: string): Promise<T> {
  try {
    return await cache.read<T>(out, task.run, key, what);
  } catch (error) {
    if (error instanceof PermanentError) throw new ForeignTaskError(`task ${task.id}: ${error.message}`);
    throw error;
  }
}
