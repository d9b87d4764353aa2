// One counted run of a stack through the scale world, checked: done, every stage's tasks exact and each
// recorded once, each task published once, the counted operations equal to the cost model's for the same
// manifest and number of instances, the largest workflow answer and Firestore record within limits. And
// across the service processes: each task started once and answered "done" once; every other delivery of
// it (Pub/Sub's, or the front's injected redelivery) answered "duplicate" and cost one read (getTask) and
// nothing else. Shared by test/cloud/scale.test.ts and bench/scale/run.ts.
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
import { uploadStack, type ProcessReport, type ScaleCounts, type ScaleWorld } from "./scale-world.js";

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
  processes: ProcessSummary;
}

/** What the service processes showed, in numbers. */
export interface ProcessSummary {
  /** Instance processes per service. */
  instances: Record<string, number>;
  /** Task deliveries each instance answered, by "service-i". */
  deliveriesPerInstance: Record<string, number>;
  /** Per service, the most instances that had a task delivery in flight at one time. */
  maxBusy: Record<string, number>;
  deliveries: number;
  /** Deliveries the front made itself (redeliverEvery). */
  injected: number;
  /** The instances those went to, by "service-i", one entry each. */
  injectedTo: string[];
  /** Deliveries by Pub/Sub of a task it had already delivered (same task id, not injected). */
  pubsubRedeliveries: number;
  /** Tasks whose "started" line appears more than once over all instances' logs, with the instances. */
  startedTwice: Record<string, string[]>;
  /** CPU seconds of each instance process, by "service-i". */
  cpuS: Record<string, number>;
}

export interface Counted {
  counts: ScaleCounts;
  processes: ProcessSummary;
  wallMs: number;
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

/** `onCounted` sees the counts before any check, so a bench can print what a failed check was about. */
export async function checkScaleRun(world: ScaleWorld, prefix: string, files: Array<{ name: string; bytes: Buffer }>, onCounted?: (c: Counted) => void): Promise<ScaleResult> {
  await uploadStack(world.src, prefix, files);
  const { run: id, status, counts, wallMs, processes: report } = await world.run(prefix);
  const processes = summarise(report, world.instances);
  onCounted?.({ counts, processes, wallMs });
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
  const warnings = report.instances.flatMap((r) => r.warnings.map((w) => `${r.service}-${r.instance}: ${w}`));
  checkDeliveries(report, work.stages, processes, warnings);
  const polls = counts.http.steps.status ?? 0;
  const stages = FAN_OUT.map((s) => s.name);
  // Polls only enter the model through count() reads, 1 each below 1,000 tasks per stage: their stage does not matter.
  const model = cloudOperations(work, { polls: Object.fromEntries(stages.map((s, i) => [s, i === 0 ? polls : 0])) as Record<FanOutStage, number>, instances: world.instances });
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
  // A redelivery of a task already done costs its getTask read and nothing else (cloud-runtime/task-delivery.ts).
  predicted.firestoreReads = model.firestoreReads - model.firestoreCountReads + processes.injected + processes.pubsubRedeliveries;
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
    processes,
  };
}

/**
 * Every task of every stage answered "done" exactly once over all instances and deliveries, every other
 * delivery "duplicate", each task started once (in all instances' logs together), and every service's
 * tasks handled by more than one instance.
 */
function checkDeliveries(report: ProcessReport, stages: ReadonlyArray<{ stage: string; tasks: number }>, summary: ProcessSummary, warnings: string[]): void {
  const done = new Map<string, number>();
  for (const d of report.deliveries) {
    if (d.outcome === "done") done.set(d.task, (done.get(d.task) ?? 0) + 1);
    else assert.equal(d.outcome, "duplicate", `delivery of ${d.task} to instance ${d.instance} (${d.injected ? "injected" : `message ${d.messageId}`}) answered ${d.outcome}: ${warnings.join(" | ")}`);
  }
  for (const s of stages) {
    const ofStage = report.deliveries.filter((d) => d.stage === s.stage && d.outcome === "done");
    assert.equal(new Set(ofStage.map((d) => d.task)).size, s.tasks, `${s.stage}: tasks answered done`);
  }
  for (const d of report.deliveries.filter((x) => x.injected)) {
    const first = report.deliveries.find((x) => x.task === d.task && x.outcome === "done");
    assert.ok(first && first.instance !== d.instance, `redelivery of ${d.task} went to instance ${d.instance}, the one that ran it`);
  }
  const twice = [...done].filter(([, n]) => n > 1).map(([t]) => t);
  assert.deepEqual(twice, [], "tasks answered done twice");
  assert.deepEqual(summary.startedTwice, {}, "tasks started by two deliveries");
  // Several instances of a service that had tasks: each answered some, and two had tasks in flight at once.
  for (const [service, n] of Object.entries(summary.instances)) {
    if (n < 2 || !report.deliveries.some((d) => d.service === service)) continue;
    const used = Object.entries(summary.deliveriesPerInstance).filter(([k, c]) => k.startsWith(`${service}-`) && c > 0).length;
    assert.equal(used, n, `${service}: tasks delivered to ${used} of ${n} instances`);
    assert.ok(summary.maxBusy[service] >= 2, `${service}: at most ${summary.maxBusy[service]} instance had a task at a time`);
  }
}

function summarise(report: ProcessReport, instances: Record<string, number>): ProcessSummary {
  const deliveriesPerInstance: Record<string, number> = {};
  const cpuS: Record<string, number> = {};
  const startedBy = new Map<string, string[]>();
  for (const r of report.instances) {
    const name = `${r.service}-${r.instance}`;
    cpuS[name] = r.cpuS;
    deliveriesPerInstance[name] = 0;
    for (const [task, n] of r.starts) startedBy.set(task, [...(startedBy.get(task) ?? []), ...Array<string>(n).fill(name)]);
  }
  const seen = new Set<string>();
  let pubsubRedeliveries = 0;
  for (const d of report.deliveries) {
    deliveriesPerInstance[`${d.service}-${d.instance}`]++;
    if (!d.injected && seen.has(d.task)) pubsubRedeliveries++;
    seen.add(d.task);
  }
  return {
    instances,
    deliveriesPerInstance,
    maxBusy: report.maxBusy,
    deliveries: report.deliveries.length,
    injected: report.deliveries.filter((d) => d.injected).length,
    injectedTo: report.deliveries.filter((d) => d.injected).map((d) => `${d.service}-${d.instance}`),
    pubsubRedeliveries,
    startedTwice: Object.fromEntries([...startedBy].filter(([, by]) => by.length > 1)),
    cpuS,
  };
}
