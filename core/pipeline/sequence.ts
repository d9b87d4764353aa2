// The pipeline (stages.ts) for a driver that runs every stage to completion itself: the local CLI. The steps
// are those of stage-steps.ts, which the cloud's workflow calls one at a time (cloud-steps.ts); here a
// StageRunner delivers each fan-out and waits for it. Resumable: every stage delivers only the tasks that the
// RunStore does not record as done.
import type { IngestConfig } from "../config.js";
import type { Repair, RunSummary } from "../run-details.js";
import type { StepDeps } from "./deps.js";
import { enumerateSlices } from "./enumerate.js";
import type { RunManifest } from "./manifest.js";
import { openRun } from "./open-run.js";
import { summaryFromReport } from "./recorded-summary.js";
import { describeDamage, findDamage, runLedger, type Damage } from "./output-ledger.js";
import { planRun, type Transforms } from "./plan.js";
import { repairFor } from "./repair.js";
import type { RunPlan } from "./run-plan.js";
import type { ProgressSink, StageRunner } from "./stage-runner.js";
import { finalizeStep, openStage, planStep, stageFailed } from "./stage-steps.js";
import { PIPELINE, runHasStage, type FanOutStage } from "./stages.js";
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
  /**
   * A reexport (reexport-seed.ts): the finished run's transforms, which the plan step takes instead of
   * solving. The stages that align deliver nothing: their task records were copied from that run.
   */
  seed?: Transforms;
}

export interface IngestResult {
  run: string;
  summary: RunSummary;
  /** Tasks executed by this invocation, per stage (a resumed run executes only what was not done). */
  executed: Record<string, number>;
  /** Tasks found already done, per stage. */
  skipped: Record<string, number>;
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
      return { run: run.run, summary: await summaryFromReport(deps.out), executed, skipped };
    }
    const repair = repairFor(await planRun(deps, manifest, options.seed), damage);
    options.progress.message(damageMessage(run.run, damage, repair));
    run = await deps.runs.updateRun(run.run, { status: "planning", details: { repair } });
  }
  const repair = run.details.repair ?? undefined;

  const redo: Partial<Record<FanOutStage, readonly string[]>> = {
    render: (repair?.render ?? []).map((z) => task.render(run.run, z).id),
    pyramid: repair?.pyramid,
  };
  let plan: RunPlan | undefined;
  let summary: RunSummary | undefined;
  const planned = async (): Promise<RunPlan> => plan ?? Promise.reject(new Error(`run ${run.run}: a step asked for the plan before the plan step ran`));
  for (const step of PIPELINE) {
    if (step.kind === "barrier") {
      if (step.name === "plan") plan = await planStep(deps, manifest, options.seed);
      else summary = await finalizeStep(deps, manifest, await planned(), { keepTmp: options.keepTmp ?? false, reduce: repair?.reduce ?? true, now });
      continue;
    }
    if (!runHasStage(step, manifest)) continue;
    const { all, todo } = await openStage(deps, step, { manifest, runs: deps.runs, plan: planned }, redo[step.name]);
    executed[step.name] = todo.length;
    skipped[step.name] = all.length - todo.length;
    if (all.length === 0) continue;
    options.progress.stageStarted(step.name, all.length, all.length - todo.length);
    const failures = todo.length > 0 ? await options.runner.runStage(step.name, todo, all.length) : [];
    options.progress.stageFinished(step.name);
    if (failures.length > 0) throw await stageFailed(deps.runs, run.run, step.name, failures);
  }
  if (!summary) throw new Error(`run ${run.run}: the pipeline has no finalize step`);
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
