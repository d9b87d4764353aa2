// An align or bridge task (stages.ts): one adjacent pair (z - 1, z), or a bridge pair (from, z) around a pair that failed.
// The outcome (transform + quality) is recorded with the task.
import { alignPair, decodeFeatures, type PairResult } from "../align/index.js";
import { PermanentError } from "../errors.js";
import type { MetadataCache } from "./cache.js";
import type { TaskDeps } from "./deps.js";
import { keys } from "./keys.js";
import type { RunManifest } from "./manifest.js";
import type { AlignTask, BridgeTask } from "./tasks.js";

export async function alignTask(task: AlignTask | BridgeTask, deps: TaskDeps, cache: MetadataCache): Promise<PairResult> {
  const manifest = await cache.read<RunManifest>(deps.out, task.run, keys.manifest, "the run was not enumerated");
  const load = async (z: number) => {
    const bytes = await deps.out.get(keys.features(z));
    if (!bytes) throw new PermanentError(`${keys.features(z)} is missing: features of slice ${z} were not computed`);
    return decodeFeatures(bytes);
  };
  const [prev, cur] = await Promise.all([load(task.stage === "bridge" ? task.from : task.z - 1), load(task.z)]);
  return alignPair(prev, cur, manifest.config.align);
}
