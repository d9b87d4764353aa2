// The barrier steps the workflow calls over HTTP (workflows-yaml/ingest.yaml). Each takes a small JSON body
// and answers counts, never lists, so nothing large reaches a workflow variable. A body that is not what the
// workflow sends answers 400 and a run that does not exist 404, and neither changes any run (step-args.ts).
// A step that ran and failed for a permanent reason answers 422 and records the reason on its run (the
// workflow then fails the run with it); a transient failure answers 503 (the workflow retries with backoff).
import { errorMessage } from "../core/errors.js";
import { parseGsFolder } from "../core/gs-url.js";
import type { RunRecord, RunStore, TaskQueue } from "../core/ports.js";
import { failRun, failStage, fanOutStage, finalizeStep, planStep, stageStatus } from "../core/pipeline/cloud-steps.js";
import { cloudFailureKind } from "../adapters/gcp/failure-kind.js";
import type { RunLocator } from "../adapters/gcp/run-locations.js";
import { startReexportFrom } from "../adapters/gcp/start-reexport.js";
import { startRunFrom } from "../adapters/gcp/start-run.js";
import { recordedSeed } from "../core/pipeline/reexport-seed.js";
import type { Logger } from "./log.js";
import { BadRequestError } from "./push.js";
import { parseStepArgs, type StepArgs, type StepName } from "./step-args.js";
import type { Reply } from "./task-delivery.js";

export interface StepHandlerDeps {
  runs: RunStore;
  locator: RunLocator;
  queue: TaskQueue;
  log: Logger;
}

/** Steps that act on their run; a permanent failure of one of them is recorded on the run. */
const RUN_STEPS: ReadonlySet<StepName> = new Set(["fanout", "plan", "finalize"]);

export async function handleStep(name: StepName, body: unknown, deps: StepHandlerDeps): Promise<Reply> {
  let args: StepArgs;
  try {
    args = parseStepArgs(name, body);
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    deps.log("WARNING", `step ${name} refused: ${error.message}`, { step: name });
    return { status: 400, body: { error: error.message } };
  }
  const run = "run" in args ? args.run : undefined;
  const stage = "stage" in args ? args.stage : undefined;
  const record = run === undefined ? undefined : await deps.runs.getRun(run);
  if (run !== undefined && !record) {
    deps.log("WARNING", `step ${name} refused: run ${run} does not exist`, { run, stage, step: name });
    return { status: 404, body: { error: `run ${run} does not exist` } };
  }
  try {
    const result = await runStep(args, deps, record);
    deps.log("INFO", `step ${name} ok`, { run: run ?? (result.run as string | undefined), stage, step: name });
    return { status: 200, body: result };
  } catch (error) {
    const message = errorMessage(error);
    if (cloudFailureKind(error) === "permanent") {
      deps.log("ERROR", `step ${name} failed: ${message}`, { run, stage, step: name });
      // The run records the precise reason; the workflow's later "fail" step keeps it.
      if (run !== undefined && RUN_STEPS.has(name)) await failRun(deps.runs, run, stage ?? name, `${name}: ${message}`);
      return { status: 422, body: { error: message } };
    }
    deps.log("WARNING", `step ${name} failed, retryable: ${message}`, { run, stage, step: name });
    return { status: 503, body: { error: message } };
  }
}

/** `record`: the run's, as the handler read it (undefined for the start step). */
async function runStep(args: StepArgs, deps: StepHandlerDeps, record: RunRecord | undefined): Promise<Record<string, unknown>> {
  if (args.step === "start") {
    const opened =
      "reexportFrom" in args
        ? await startReexportFrom(deps.locator, deps.runs, args.reexportFrom, args.config)
        : await startRunFrom(deps.locator, deps.runs, parseGsFolder(args.source, "source"), args.config);
    return { ...opened };
  }
  const { run } = args;
  switch (args.step) {
    case "fanout":
      return { ...(await fanOutStage(await deps.locator.stepDeps(run), deps.queue, args.stage)) };
    case "status":
      return { ...(await stageStatus(deps.runs, run, args.stage)) };
    case "plan": {
      // A reexport's seed (its record names the finished run); no read for any other run.
      const seed = record && (await recordedSeed(record, async (from) => (await deps.locator.stepDeps(from)).out));
      return { ...(await planStep(await deps.locator.stepDeps(run), seed)) };
    }
    case "finalize":
      return { run, summary: await finalizeStep(await deps.locator.stepDeps(run), { keepTmp: args.keepTmp }) };
    case "fail": {
      const current = await deps.runs.getRun(run);
      if (current?.status === "failed" && typeof current.details.error === "string") {
        return { run, status: "failed", error: current.details.error };
      }
      const stage = args.stage ?? "unknown";
      const failed = args.stage !== undefined ? await failStage(deps.runs, run, args.stage) : undefined;
      const message = failed?.message ?? args.error ?? `run ${run} failed at ${stage}`;
      if (!failed) await failRun(deps.runs, run, stage, message);
      return { run, status: "failed", error: message };
    }
  }
}
