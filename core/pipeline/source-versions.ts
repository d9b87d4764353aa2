// A run resumes only over the slices it started from. The run id names the slices, not their contents, so
// a slice replaced after a task read it would silently mix old and new content into one volume. At every
// (re)open the current version of each slice (ObjectStore.listVersions) is compared with the one recorded on
// the run: a changed slice that no finished task has read yet is simply taken as it is now (fixing a bad
// slice after its task failed is the usual case); one that a finished task has read stops the run, naming it.
// Stored as 8 hex digits per slice, in manifest order: 11 bytes per slice in the record's JSON (9 by
// Firestore's own size rules), the only part of a run record that grows with the stack.
import { createHash } from "node:crypto";
import { PermanentError } from "../errors.js";
import type { RunRecord } from "../ports.js";
import type { StepDeps } from "./deps.js";
import type { RunManifest } from "./manifest.js";
import { sliceOf } from "./tasks.js";

/**
 * The most slices a cloud run takes: their version tags (11 B each as JSON) plus the rest of the record
 * (a few KB, bounded: run-details.ts) stay within Firestore's 1 MiB per document with ~60 KB to spare.
 */
export const CLOUD_MAX_SLICES = 90_000;

/** Stages whose finished tasks have read a slice's pixels, by z. */
const READERS = ["features", "render"] as const;

export async function sliceVersionTags(deps: Pick<StepDeps, "source">, manifest: RunManifest): Promise<string[]> {
  const versions = await deps.source.listVersions("");
  return manifest.slices.map((s) => versionTag(versions.get(s.key)));
}

/** The 8 hex digits the run keeps of a slice's version token (ObjectStore.listVersions, getVersioned). */
export function versionTag(version: string | undefined): string {
  return createHash("sha256").update(version ?? "missing").digest("hex").slice(0, 8);
}

/** Records the slices' versions on the run; throws a PermanentError when a slice changed after it was read. */
export async function checkSlicesUnchanged(deps: Pick<StepDeps, "source" | "runs" | "sourceName">, record: RunRecord, manifest: RunManifest): Promise<void> {
  const current = await sliceVersionTags(deps, manifest);
  const stored = record.details.sliceVersions;
  if (Array.isArray(stored) && stored.length === current.length) {
    const changed = manifest.slices.filter((_, i) => stored[i] !== current[i]);
    if (changed.length === 0) return;
    const read = record.status === "done" ? undefined : await slicesRead(deps, record.run);
    const stale = changed.filter((s) => !read || read.has(s.z));
    if (stale.length > 0) {
      const names = stale.slice(0, 5).map((s) => `${deps.sourceName}/${s.key}`);
      const more = stale.length > 5 ? ` and ${stale.length - 5} more` : "";
      throw new PermanentError(
        `${names.join(", ")}${more}: changed after run ${record.run} read ${stale.length === 1 ? "it" : "them"}; resuming would mix ` +
          `old and new content into one volume. To ingest the new content, start again into an empty output`,
      );
    }
  }
  await deps.runs.updateRun(record.run, { details: { sliceVersions: current } });
}

async function slicesRead(deps: Pick<StepDeps, "runs">, run: string): Promise<Set<number>> {
  const read = new Set<number>();
  for (const stage of READERS) {
    for (const t of await deps.runs.listTasks(run, stage)) {
      if (t.status === "done") read.add(sliceOf(t.id));
    }
  }
  return read;
}
