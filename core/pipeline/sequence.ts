// The barrier sequence of DESIGN.md, for a driver that runs stages to completion itself (the local CLI).
// In the cloud the same steps are sequenced by workflows-yaml/ingest.yaml. Resumable: every stage
// publishes only the tasks that the RunStore does not record as done.
import type { IngestConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import type { RunRecord, TaskMessage } from "../ports.js";
import { bridgeTasks } from "./bridge-tasks.js";
import type { StepDeps } from "./deps.js";
import { enumerateSlices } from "./enumerate.js";
import { finishRun, type RunSummary } from "./finalize.js";
import type { RunManifest } from "./manifest.js";
import { openRun } from "./open-run.js";
import { describeDamage, findDamage, runLedger, type Damage } from "./output-ledger.js";
import { planRun } from "./plan.js";
import { REPAIR, repairFor, type Repair } from "./repair.js";
import type { FailedTask, ProgressSink, StageRunner } from "./stage-runner.js";
import { task } from "./tasks.js";
import { deleteLeftoverTmp } from "./tmp-layout.js";

export interface IngestOptions {
  config: IngestConfig;
  /** The manifest of `config` over the source, when the caller enumerated already (to check its output folder). */
  manifest?: RunManifest;
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
  const manifest = options.manifest ?? (await enumerateSlices(deps.source, options.config, deps.sourceName));
  let run = await openRun(deps, manifest, {}, now);
  const executed: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  if (run.status === "done") {
    const ledger = await runLedger(deps.runs, run);
    const damage = ledger && (await findDamage(deps.out, ledger));
    if (ledger && damage?.length === 0) {
      if (!options.keepTmp) await deleteLeftoverTmp(deps.out, manifest);
      options.progress.message(`run ${run.run} is already done and its ${ledger.length} recorded outputs are in place; nothing to do`);
      return { run: run.run, summary: run.details.summary as RunSummary, executed, skipped };
    }
    const repair = repairFor(await planRun(deps, manifest), damage);
    options.progress.message(damageMessage(run.run, damage, repair));
    run = await deps.runs.updateRun(run.run, { status: "planning", details: { [REPAIR]: repair } });
  }
  const repair = (run.details[REPAIR] ?? undefined) as Repair | undefined;

  const stage = async (name: string, status: RunRecord["status"], all: TaskMessage[], redo: readonly string[] = []): Promise<void> => {
    await deps.runs.updateRun(run.run, { status, totals: { [name]: all.length } });
    const again = new Set(redo);
    const done = new Set((await deps.runs.listTasks(run.run, name)).filter((t) => t.status === "done" && !again.has(t.id)).map((t) => t.id));
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
    await stage("bridge", "aligning", await bridgeTasks(deps.runs, manifest));
  }
  await deps.runs.updateRun(run.run, { status: "planning" });
  const plan = await planRun(deps, manifest);
  await deps.runs.updateRun(run.run, { details: { box: plan.box, substitutions: plan.substitutions } });
  const redoRender = (repair?.render ?? []).map((z) => task.render(run.run, z).id);
  await stage("render", "rendering", zs.map((z) => task.render(run.run, z)), redoRender);
  await stage("pyramid", "pyramid", plan.cubes.map((cube) => task.pyramid(run.run, cube)), repair?.pyramid);
  await deps.runs.updateRun(run.run, { status: "finalizing" });
  const summary = await finishRun(deps, manifest, plan, { keepTmp: options.keepTmp ?? false, reduce: repair?.reduce ?? true, now });
  return { run: run.run, summary, executed, skipped };
}

/** One line: what is damaged and what the rerun redoes about it. */
function damageMessage(run: string, damage: readonly Damage[] | undefined, repair: Repair): string {
  const parts = [
    ...(repair.render.length > 0 ? [`${repair.render.length} render task(s)`] : []),
    ...(repair.pyramid.length > 0 ? [`${repair.pyramid.length} pyramid task(s)`] : []),
    ...(repair.reduce ? ["the scales above the cube size"] : []),
  ];
  const redo = `redoing ${[...parts, "the report"].join(", ")}`;
  if (damage === undefined) return `run ${run} is done but recorded no list of its outputs to check; ${redo}`;
  const shown = damage.slice(0, 3).map(describeDamage).join(", ");
  const more = damage.length > 3 ? ` and ${damage.length - 3} more` : "";
  return `run ${run}: the finished output is damaged (${shown}${more}); ${redo}`;
}
