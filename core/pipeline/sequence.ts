// The barrier sequence of DESIGN.md, for a driver that runs stages to completion itself (the local CLI).
// In the cloud the same steps are sequenced by workflows-yaml/ingest.yaml. Resumable: every stage
// publishes only the tasks that the RunStore does not record as done.
import type { PairResult } from "../align/index.js";
import type { IngestConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import type { RunRecord, RunStore, TaskMessage } from "../ports.js";
import type { StepDeps } from "./deps.js";
import { enumerateSlices } from "./enumerate.js";
import { finalizeRun, type RunSummary } from "./finalize.js";
import { openRun } from "./open-run.js";
import { planRun } from "./plan.js";
import type { FailedTask, ProgressSink, StageRunner } from "./stage-runner.js";
import { task } from "./tasks.js";

export interface IngestOptions {
  config: IngestConfig;
  runner: StageRunner;
  progress: ProgressSink;
  /** Keep tmp/ (rendered tiles, features) after a successful run. */
  keepTmp?: boolean;
  now?: () => Date;
}

export interface IngestResult {
  run: string;
  summary: RunSummary;
  /** Tasks executed by this invocation, per stage (a resumed run executes only what was not done). */
  executed: Record<string, number>;
  /** Tasks found already done, per stage. */
  skipped: Record<string, number>;
}

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

export async function runIngest(deps: StepDeps, options: IngestOptions): Promise<IngestResult> {
  const now = options.now ?? (() => new Date());
  const manifest = await enumerateSlices(deps.source, options.config, deps.sourceName);
  const run = await openRun(deps, manifest, {}, now);
  const executed: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  if (run.status === "done") {
    options.progress.message(`run ${run.run} is already done; nothing to do`);
    return { run: run.run, summary: run.details.summary as RunSummary, executed, skipped };
  }

  const stage = async (name: string, status: RunRecord["status"], all: TaskMessage[]): Promise<void> => {
    await deps.runs.updateRun(run.run, { status, totals: { [name]: all.length } });
    const done = new Set((await deps.runs.listTasks(run.run, name)).filter((t) => t.status === "done").map((t) => t.id));
    const todo = all.filter((t) => !done.has(t.id));
    executed[name] = todo.length;
    skipped[name] = all.length - todo.length;
    if (all.length === 0) return;
    options.progress.stageStarted(name, all.length, all.length - todo.length);
    const failures = todo.length > 0 ? await options.runner.runStage(name, todo, all.length) : [];
    options.progress.stageFinished(name);
    if (failures.length > 0) {
      const error = new RunFailedError(run.run, name, failures);
      await deps.runs.updateRun(run.run, { status: "failed", details: { error: error.message, failedStage: name } });
      throw error;
    }
  };

  const zs = manifest.slices.map((s) => s.z);
  if (!manifest.config.skipAlign) {
    await stage("features", "aligning", zs.map((z) => task.features(run.run, z)));
    await stage("align", "aligning", zs.slice(1).map((z) => task.align(run.run, z)));
    const failed = await failedPairs(deps.runs, run.run);
    await stage("bridge", "aligning", failed.filter((z) => z - 2 >= zs[0]).map((z) => task.bridge(run.run, z - 2, z)));
  }
  await deps.runs.updateRun(run.run, { status: "planning" });
  const plan = await planRun(deps, manifest);
  await deps.runs.updateRun(run.run, { details: { box: plan.box, substitutions: plan.substitutions } });
  await stage("render", "rendering", zs.map((z) => task.render(run.run, z)));
  await stage("pyramid", "pyramid", plan.cubes.map((cube) => task.pyramid(run.run, cube)));
  await deps.runs.updateRun(run.run, { status: "finalizing" });
  const summary = await finalizeRun(deps, manifest, plan, { keepTmp: options.keepTmp ?? false });
  await deps.runs.updateRun(run.run, { status: "done", details: { summary, finishedAt: now().toISOString() } });
  return { run: run.run, summary, executed, skipped };
}

/** Slices whose pair (z - 1, z) was recorded as failed (ok = false): they get a bridge pair (z - 2, z). */
export async function failedPairs(runs: RunStore, run: string): Promise<number[]> {
  const tasks = await runs.listTasks(run, "align");
  return tasks
    .filter((t) => t.status === "done" && (t.outcome as PairResult | null)?.ok === false)
    .map((t) => Number(t.id.slice("align-".length)))
    .sort((a, b) => a - b);
}
