// One counted run of a stack through the scale world, checked: done, every stage's tasks exact and each
// recorded once, each task published once, the counted operations equal to the cost model's for the same
// manifest, the largest workflow answer and Firestore record within limits. Shared by test/cloud/scale.test.ts
// and bench/scale/run.ts.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { cloudOperations, type Operations } from "../../../core/cost/cloud-operations.js";
import { stackWork } from "../../../core/cost/stack-work.js";
import type { RunManifest } from "../../../core/pipeline/manifest.js";
import { FAN_OUT, type FanOutStage } from "../../../core/pipeline/stages.js";
import { mapLimit } from "../../../core/util/map-limit.js";
import { REPO } from "./emulators.js";
import { uploadStack, type ScaleCounts, type ScaleWorld } from "./scale-world.js";

const run = promisify(execFile);

/** Workflows: 512 KB for all variables of an execution; Firestore: 1 MiB per document. */
export const LIMITS = { workflowVariables: 512 * 1024, firestoreDocument: 1024 * 1024 };

export interface ScaleResult {
  slices: number;
  wallMs: number;
  counts: ScaleCounts;
  model: Operations;
  /** Reads the report made because the aligned box is larger than a slice: what `emingest plan`, which
   * assumes the slices' size, cannot know before the run (its reslices cross more chunks). */
  boxReads: number;
  perSlice: Record<"gcsClassA" | "gcsClassB" | "firestoreReads" | "firestoreWrites" | "pubsubMessages" | "pubsubBytes", number>;
}

/** A sample stack (the CLI's generator) with its ingest.json, read into memory for upload. */
export async function stackFiles(dir: string, count: number, size: number, config: Record<string, unknown>): Promise<Array<{ name: string; bytes: Buffer }>> {
  await run(process.execPath, [path.join(REPO, "dist", "cli", "main.js"), "sample", dir, "--count", String(count), "--size", String(size)], { maxBuffer: 1 << 24 });
  await fs.rm(path.join(dir, "ground-truth.json"));
  await fs.writeFile(path.join(dir, "ingest.json"), JSON.stringify(config));
  const names = (await fs.readdir(dir)).sort();
  // 16 at a time: 20,000 files opened at once run out of file descriptors (EMFILE).
  return mapLimit(names, 16, async (name) => ({ name, bytes: await fs.readFile(path.join(dir, name)) }));
}

export async function checkScaleRun(world: ScaleWorld, prefix: string, files: Array<{ name: string; bytes: Buffer }>): Promise<ScaleResult> {
  await uploadStack(world.src, prefix, files);
  const { run: id, status, counts, wallMs } = await world.run(prefix);
  assert.equal(status, "done");
  const [bytes] = await world.out.file(`${id}/report/manifest.json`).download();
  const manifest = JSON.parse(bytes.toString("utf8")) as RunManifest;
  // The aligned box the run ended with (drift makes it larger than a slice; the plan command assumes a slice).
  const [summaryBytes] = await world.out.file(`${id}/report/summary.json`).download();
  const [width, height] = (JSON.parse(summaryBytes.toString("utf8")) as { volume: { size: [number, number, number] } }).volume.size;
  const work = stackWork(manifest, { width, height });
  const record = await world.runs.getRun(id);
  assert.equal(record?.status, "done");
  for (const s of work.stages) {
    // Every stage's total as planned, every task recorded done exactly once, none failed, each published once.
    assert.equal(record?.totals[s.stage] ?? 0, s.tasks, `${s.stage} total`);
    assert.deepEqual(await world.runs.countTasks(id, s.stage), { done: s.tasks, failed: 0 }, `${s.stage} records`);
    assert.equal(counts.pubsub.byStage[s.stage] ?? 0, s.tasks, `${s.stage} publishes`);
  }
  assert.equal(counts.http.failures, 0, "every push and step answered 200");
  const polls = counts.http.steps.status ?? 0;
  const stages = FAN_OUT.map((s) => s.name);
  // Polls only enter the model through count() reads, 1 each below 1,000 tasks per stage: their stage does not matter.
  const model = cloudOperations(work, { polls: Object.fromEntries(stages.map((s, i) => [s, i === 0 ? polls : 0])) as Record<FanOutStage, number>, instances: { align: 1, emwrite: 1 } });
  const counted: Partial<Operations> = {
    gcsClassA: counts.gcs.classA,
    gcsClassB: counts.gcs.classB,
    gcsDeletes: counts.gcs.deletes,
    // count() reads of polls at 1,000 tasks or more depend on how far the stage was when polled: compared apart.
    firestoreReads: counts.firestore.reads - counts.firestore.countReads,
    firestoreWrites: counts.firestore.writes,
    pubsubMessages: counts.pubsub.messages,
    pubsubBytes: counts.pubsub.bytes,
    stepCalls: Object.values(counts.http.steps).reduce((a, b) => a + b, 0),
  };
  const predicted: Record<string, number> = Object.fromEntries(Object.keys(counted).map((k) => [k, model[k as keyof Operations]]));
  predicted.firestoreReads = model.firestoreReads - model.firestoreCountReads;
  if (work.stages.every((s) => s.tasks < 1000)) assert.equal(counts.firestore.countReads, model.firestoreCountReads, "count() reads");
  assert.deepEqual(counted, predicted, `counted vs the cost model (gcs ${JSON.stringify(counts.gcs.byKind)}, firestore ${JSON.stringify(counts.firestore.byMethod)})`);
  assert.ok(counts.http.largestStepAnswer < LIMITS.workflowVariables / 100, `largest step answer ${counts.http.largestStepAnswer} B`);
  assert.ok(counts.firestore.largestRun < LIMITS.firestoreDocument, `largest run record ${counts.firestore.largestRun} B`);
  assert.ok(counts.firestore.largestTask < LIMITS.firestoreDocument / 100, `largest task record ${counts.firestore.largestTask} B`);
  const n = manifest.slices.length;
  return {
    slices: n,
    wallMs,
    counts,
    model,
    boxReads: work.reportReads - stackWork(manifest).reportReads,
    perSlice: {
      gcsClassA: counts.gcs.classA / n,
      gcsClassB: counts.gcs.classB / n,
      firestoreReads: counts.firestore.reads / n,
      firestoreWrites: counts.firestore.writes / n,
      pubsubMessages: counts.pubsub.messages / n,
      pubsubBytes: counts.pubsub.bytes / n,
    },
  };
}
