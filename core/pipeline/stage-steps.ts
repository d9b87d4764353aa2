// The steps of the pipeline (stages.ts) as both drivers run them: the local one runs every fan-out to its
// barrier itself (sequence.ts), the cloud one is called step by step by workflows-yaml/ingest.yaml
// (cloud-steps.ts). They differ only in how tasks are delivered and waited on; what a step reads, writes and
// records is here, once.
import { PermanentError } from "../errors.js";
import type { RunStore, TaskMessage } from "../ports.js";
import type { StepDeps } from "./deps.js";
import type { RunSummary } from "../run-details.js";
import { finishRun } from "./finalize.js";
import type { RunManifest } from "./manifest.js";
import { planRun, type Transforms } from "./plan.js";
import type { RunPlan } from "./run-plan.js";
import type { FailedTask } from "./stage-runner.js";
import { runHasStage, type FanOutSpec, type StageInput } from "./stages.js";

export class RunFailedError extends PermanentError {
  constructor(
    readonly run: string,
    readonly stage: string,
    readonly failures: FailedTask[],
  ) {
    const shown = failures.slice(0, 5).map((f) => `  ${f.id}: ${f.error}`);
    const more = failures.length > 5 ? [`  ... and ${failures.length - 5} more`] : [];
    super([`run ${run}: ${failures.length} ${stage} task(s) failed:`, ...shown, ...more].join("\n"));
  }
}

export interface OpenedStage {
  /** Every task of the stage for this run. */
  all: TaskMessage[];
  /** Those not recorded as done (or asked to be redone): what is delivered. */
  todo: TaskMessage[];
}

/**
 * Starts a fan-out stage: the run's status and the stage's total are set, and the tasks not recorded as done
 * are returned (a resumed run delivers only those). `redo`: task ids delivered again even though done (a
 * repair of a damaged output, repair.ts).
 */
export async function openStage(deps: Pick<StepDeps, "runs" | "out">, spec: FanOutSpec, input: StageInput, redo: readonly string[] = []): Promise<OpenedStage> {
  const run = input.manifest.run;
  const all = runHasStage(spec, input.manifest) ? await spec.tasks(input) : [];
  await deps.runs.updateRun(run, { status: spec.status, totals: { [spec.name]: all.length } });
  const again = new Set(redo);
  const done = new Set((await deps.runs.listTasks(run, spec.name)).filter((t) => t.status === "done" && !again.has(t.id)).map((t) => t.id));
  return { all, todo: all.filter((t) => !done.has(t.id)) };
}

/** A stage that settled with failures fails its run: recorded on the run, returned to be thrown or answered. */
export async function stageFailed(runs: RunStore, run: string, stage: string, failures: FailedTask[]): Promise<RunFailedError> {
  const error = new RunFailedError(run, stage, failures);
  await runs.updateRun(run, { status: "failed", details: { error: error.message, failedStage: stage } });
  return error;
}

/**
 * The plan step (plan.ts): the run marked planning, the plan computed and written, its box and the
 * number of stand-ins recorded (the list is in tmp/plan.json and the report: a run record has a size limit in
 * the cloud). `seed`: a reexport's stored transforms (reexport-seed.ts).
 */
export async function planStep(deps: StepDeps, manifest: RunManifest, seed?: Transforms): Promise<RunPlan> {
  await deps.runs.updateRun(manifest.run, { status: "planning" });
  const plan = await planRun(deps, manifest, seed);
  await deps.runs.updateRun(manifest.run, { details: { box: plan.box, substitutions: plan.substitutions.length } });
  return plan;
}

/** The finalize step (finalize.ts finishRun): the run marked finalizing, then the reduce step, the report, done, tmp/ deleted. */
export async function finalizeStep(
  deps: StepDeps,
  manifest: RunManifest,
  plan: RunPlan,
  options: { keepTmp: boolean; reduce?: boolean; now: () => Date },
): Promise<RunSummary> {
  await deps.runs.updateRun(manifest.run, { status: "finalizing" });
  return finishRun(deps, manifest, plan, options);
}
