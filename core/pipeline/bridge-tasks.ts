// The recorded pair results of a run and the bridge tasks they call for, one definition for the local driver
// (sequence.ts), the cloud fan-out (cloud-steps.ts) and the plan (plan.ts), so all three agree on the list.
import { bridgePairs, weakPairs, type PairResult } from "../align/index.js";
import { PermanentError } from "../errors.js";
import type { RunStore } from "../ports.js";
import type { RunManifest } from "./manifest.js";
import { task, type BridgeTask } from "./tasks.js";

/** Result of pair (z - 1, z) for every z of the run but the first, by index (index 0: undefined). */
export async function adjacentResults(runs: Pick<RunStore, "listTasks">, manifest: RunManifest): Promise<Array<PairResult | undefined>> {
  const done = new Map(
    (await runs.listTasks(manifest.run, "align")).filter((t) => t.status === "done").map((t) => [t.id, t.outcome as PairResult] as const),
  );
  return manifest.slices.map((s, i) => {
    if (i === 0) return undefined;
    const pair = done.get(task.align(manifest.run, s.z).id);
    if (!pair) throw new PermanentError(`run ${manifest.run}: pair (${s.z - 1}, ${s.z}) has no recorded alignment`);
    return pair;
  });
}

/** The bridge tasks (from, z) of bridge-pairs.ts for these adjacent results. */
export function bridgeTasksFor(manifest: RunManifest, adjacent: ReadonlyArray<PairResult | undefined>): BridgeTask[] {
  const failed = adjacent.flatMap((r, i) => (i > 0 && r?.ok !== true ? [i] : []));
  // The solve's own weak rule on the same adjacent pairs (solve-plan.ts rule 1).
  const weakFlags = weakPairs(adjacent.flatMap((result, i) => (i === 0 ? [] : [{ from: i - 1, to: i, result }])));
  const weak = weakFlags.flatMap((w, j) => (w ? [j + 1] : []));
  const zs = manifest.slices.map((s) => s.z);
  return bridgePairs(failed, zs.length, manifest.config.align, manifest.config.align.nAdjacent, weak).map(([from, to]) => task.bridge(manifest.run, zs[from], zs[to]));
}

/** The bridge stage's tasks: none when alignment is skipped. */
export async function bridgeTasks(runs: Pick<RunStore, "listTasks">, manifest: RunManifest): Promise<BridgeTask[]> {
  if (manifest.config.skipAlign) return [];
  return bridgeTasksFor(manifest, await adjacentResults(runs, manifest));
}
