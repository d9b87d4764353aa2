// The pipeline's steps (stage-steps.ts) one HTTP request at a time, for a driver that does not run stages to
// completion itself: in the cloud, workflows-yaml/ingest.yaml calls one step per request, in the order of
// stages.ts, and waits on the barriers by polling stage counts. Every step is idempotent and resumable: a
// fan-out publishes only the tasks that the RunStore does not record as done, and returns counts only (no
// lists reach a workflow).
import type { IngestConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import type { ObjectStore, RunRecord, RunStore, TaskQueue } from "../ports.js";
import type { RecordedSummary, RunDetails } from "../run-details.js";
import type { StepDeps } from "./deps.js";
import { enumerateSlices } from "./enumerate.js";
import { keys } from "./keys.js";
import { readJson, readManifest } from "./manifest.js";
import { openRun } from "./open-run.js";
import { CLOUD_MAX_SLICES } from "./source-versions.js";
import { recordedSummary } from "./recorded-summary.js";
import type { Transforms } from "./plan.js";
import type { RunPlan } from "./run-plan.js";
import { finalizeStep as finalize, openStage, planStep as plan, stageFailed, type RunFailedError } from "./stage-steps.js";
import { fanOutSpec, type FanOutStage } from "./stages.js";
import { deleteLeftoverTmp } from "./tmp-layout.js";

export interface OpenedRun {
  run: string;
  status: RunRecord["status"];
  slices: number;
  skipAlign: boolean;
}

/**
 * Enumerate: list and check the slices, write the manifest once, create the run (an existing one wins). A
 * stack of more than CLOUD_MAX_SLICES slices is refused before anything is written.
 * `outFor` gives the output root of a run id, which is known only after the listing. `detailsFor(run)` is stored on
 * a new run (where its source and output live), computed from the run id.
 */
export async function openCloudRun(
  deps: { source: ObjectStore; sourceName: string; runs: RunStore; outFor: (run: string) => ObjectStore },
  config: IngestConfig,
  detailsFor: (run: string) => RunDetails,
  now: () => Date = () => new Date(),
): Promise<OpenedRun> {
  const manifest = await enumerateSlices(deps.source, config, deps.sourceName);
  if (manifest.slices.length > CLOUD_MAX_SLICES) {
    throw new PermanentError(
      `${deps.sourceName}: ${manifest.slices.length} slices, but a cloud run takes at most ${CLOUD_MAX_SLICES} (its run record keeps a ` +
        `version tag per slice, and a Firestore document holds 1 MiB): split the stack into runs of at most ${CLOUD_MAX_SLICES} slices, or run it locally`,
    );
  }
  const record = await openRun({ ...deps, out: deps.outFor(manifest.run) }, manifest, detailsFor(manifest.run), now);
  return { run: record.run, status: record.status, slices: manifest.slices.length, skipAlign: manifest.config.skipAlign };
}

export interface FanOutResult {
  run: string;
  stage: FanOutStage;
  total: number;
  alreadyDone: number;
  published: number;
}

/** Publishes the stage's tasks that are not recorded as done and sets the stage total. */
export async function fanOutStage(deps: StepDeps, queue: TaskQueue, stage: FanOutStage): Promise<FanOutResult> {
  const spec = fanOutSpec(stage);
  if (!spec) throw new PermanentError(`no fan-out stage is named "${stage}"`);
  const manifest = await readManifest(deps.out);
  const input = { manifest, runs: deps.runs, plan: () => readJson<RunPlan>(deps.out, keys.plan, "the run was not planned") };
  const { all, todo } = await openStage(deps, spec, input);
  if (todo.length > 0) await queue.publish(todo);
  return { run: manifest.run, stage: spec.name, total: all.length, alreadyDone: all.length - todo.length, published: todo.length };
}

export interface StageStatus {
  run: string;
  stage: string;
  runStatus: RunRecord["status"];
  /** Undefined until the stage is fanned out. */
  total: number | undefined;
  done: number;
  failed: number;
  /** Every task is done or failed for good. */
  settled: boolean;
}

/** Stage progress from count() aggregations over task records: cheap enough to poll. */
export async function stageStatus(runs: RunStore, run: string, stage: string): Promise<StageStatus> {
  const record = await runs.getRun(run);
  if (!record) throw new PermanentError(`run ${run} does not exist`);
  const { done, failed } = await runs.countTasks(run, stage);
  const total = record.totals[stage];
  return { run, stage, runStatus: record.status, total, done, failed, settled: total !== undefined && done + failed >= total };
}

/** A stage that settled with failures fails the run, with the same message as the local driver. */
export async function failStage(runs: RunStore, run: string, stage: string): Promise<RunFailedError | undefined> {
  const failures = (await runs.listTasks(run, stage)).filter((t) => t.status === "failed");
  if (failures.length === 0) return undefined;
  return stageFailed(
    runs,
    run,
    stage,
    failures.map((f) => ({ id: f.id, stage: f.stage, error: f.error ?? "unknown error", attempts: f.attempts })),
  );
}

/** Any other failure of a run (a step that raised): recorded so `status` shows it. */
export async function failRun(runs: RunStore, run: string, stage: string, message: string): Promise<void> {
  await runs.updateRun(run, { status: "failed", details: { error: message, failedStage: stage } });
}

export interface PlanResult {
  run: string;
  cubes: number;
  box: RunPlan["box"];
  substitutions: number;
}

/** `seed`: a reexport's transforms (reexport-seed.ts recordedSeed). */
export async function planStep(deps: StepDeps, seed?: Transforms): Promise<PlanResult> {
  const manifest = await readManifest(deps.out);
  const planned = await plan(deps, manifest, seed);
  return { run: manifest.run, cubes: planned.cubes.length, box: planned.box, substitutions: planned.substitutions.length };
}

/**
 * The finalize step (stage-steps.ts). A retry after a failure anywhere in it gives the same bytes: before the
 * done mark it runs again from tmp/, which is still whole; after it, it only finishes deleting tmp/ and
 * returns the recorded summary. The answer is the summary as recorded (its lists as counts: recorded-summary.ts),
 * so what the workflow holds in a variable does not grow with bad slices.
 */
export async function finalizeStep(deps: StepDeps, options: { keepTmp?: boolean; now?: () => Date } = {}): Promise<RecordedSummary> {
  const manifest = await readManifest(deps.out);
  const record = await deps.runs.getRun(manifest.run);
  const keepTmp = options.keepTmp ?? false;
  if (record?.status === "done" && record.details.summary) {
    if (!keepTmp) await deleteLeftoverTmp(deps.out, manifest);
    return record.details.summary;
  }
  const planned = await readJson<RunPlan>(deps.out, keys.plan, "the run was not planned");
  return recordedSummary(await finalize(deps, manifest, planned, { keepTmp, now: options.now ?? (() => new Date()) }));
}
