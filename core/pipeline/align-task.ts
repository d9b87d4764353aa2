// An align task (stages.ts) matches slice z with the slices before it up to align.nAdjacent apart:
// (z - 1, z), (z - 2, z), ..., (z - k, z) inside the stack, from the stored features (no image is decoded
// again). Every pair of slices at most k apart is matched exactly once, by the task of its later slice.
// A bridge task matches one pair (from, z) further apart, around a pair that failed (bridge-pairs.ts).
// The outcome is recorded with the task: the pair (z - 1, z) as the fields of a PairResult (what the
// report and the bridge stage read), the farther pairs in `further`. Each pair carries its inlier sample
// (inlier-sample.ts, <= 1368 bytes of text): with k = 2 the task document stays under 4 KB.
//
// A pair of slices with identical features is the same frame written twice: it is not aligned but
// flagged "repeated-frame" (ok = false), and the solve marks its later slice bad (solve-plan.ts rule 2).
import { alignPair, decodeFeatures, type PairResult } from "../align/index.js";
import { PermanentError } from "../errors.js";
import type { MetadataCache } from "./cache.js";
import type { TaskDeps } from "./deps.js";
import { keys } from "./keys.js";
import type { RunManifest } from "./manifest.js";
import type { AlignTask, BridgeTask } from "./tasks.js";

/** A farther pair (from, z) of an align task. */
export type FurtherPair = PairResult & { from: number };

/** The outcome of align-z: pair (z - 1, z), and the pairs (z - j, z) for j = 2..k in `further`. */
export type SliceMatches = PairResult & { further?: FurtherPair[] };

async function matchPair(prevBytes: Uint8Array, curBytes: Uint8Array, config: RunManifest["config"]["align"]): Promise<PairResult> {
  const prev = decodeFeatures(prevBytes);
  const cur = decodeFeatures(curBytes);
  if (cur.count > 0 && Buffer.from(prevBytes).equals(Buffer.from(curBytes))) {
    return { ok: false, model: "translation", matrix: [1, 0, 0, 0, 1, 0], matches: cur.count, inliers: 0, inlierRatio: 0, residualPx: 0, flags: ["repeated-frame"] };
  }
  return alignPair(prev, cur, config);
}

export async function alignTask(task: AlignTask | BridgeTask, deps: TaskDeps, cache: MetadataCache): Promise<SliceMatches> {
  const manifest = await cache.read<RunManifest>(deps.out, task.run, keys.manifest, "the run was not enumerated");
  const load = async (z: number) => {
    const bytes = await deps.out.get(keys.features(z));
    if (!bytes) throw new PermanentError(`${keys.features(z)} is missing: features of slice ${z} were not computed`);
    return bytes;
  };
  const cur = await load(task.z);
  if (task.stage === "bridge") return matchPair(await load(task.from), cur, manifest.config.align);
  const firstZ = manifest.slices[0].z;
  const adjacent = await matchPair(await load(task.z - 1), cur, manifest.config.align);
  const further: FurtherPair[] = [];
  for (let from = task.z - 2; from >= Math.max(firstZ, task.z - manifest.config.align.nAdjacent); from--) {
    further.push({ ...(await matchPair(await load(from), cur, manifest.config.align)), from });
  }
  return further.length > 0 ? { ...adjacent, further } : adjacent;
}
