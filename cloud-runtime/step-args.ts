// The arguments of the workflow's barrier steps (workflows-yaml/ingest.yaml), parsed before a step touches
// anything: a body that is not what the workflow sends (a missing or misspelt field, a stage that does not
// exist, a run id that is not one) is a BadRequestError, answered 400, and changes no run. Only a step that
// ran against its run and failed may fail that run (steps.ts).
import { RUN_ID } from "../core/pipeline/manifest.js";
import { STAGES, type FanOutStage } from "../core/pipeline/stages.js";
import { BadRequestError } from "./push.js";

/** The step routes, POST /steps/<name> (app.ts). */
export const STEP_NAMES = ["start", "fanout", "status", "plan", "finalize", "fail"] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type StepArgs =
  | { step: "start"; source: string; config?: unknown }
  | { step: "start"; reexportFrom: string; config?: unknown }
  | { step: "fanout" | "status"; run: string; stage: FanOutStage }
  | { step: "plan"; run: string }
  | { step: "finalize"; run: string; keepTmp: boolean }
  | { step: "fail"; run: string; stage?: string; error?: string };

/** The fields each step takes; anything else is refused by name. */
const FIELDS: Record<StepName, readonly string[]> = {
  start: ["source", "config", "reexportFrom"],
  fanout: ["run", "stage"],
  status: ["run", "stage"],
  plan: ["run"],
  finalize: ["run", "keepTmp"],
  fail: ["run", "stage", "error"],
};

export function parseStepArgs(step: StepName, body: unknown): StepArgs {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequestError(`${step}: the body must be a JSON object`);
  const args = body as Record<string, unknown>;
  const unknown = Object.keys(args).filter((k) => !FIELDS[step].includes(k));
  if (unknown.length > 0) throw new BadRequestError(`${step}: unknown field(s) ${unknown.map((k) => `"${k}"`).join(", ")} (it takes ${FIELDS[step].join(", ")})`);
  const text = (field: string, max: number): string => {
    const v = args[field];
    if (typeof v !== "string" || v === "" || v.length > max) throw new BadRequestError(`${step}: "${field}" must be a string of 1 to ${max} characters, got ${shown(v)}`);
    return v;
  };
  const config = args.config === undefined ? {} : { config: args.config };
  if (step === "start" && args.reexportFrom !== undefined) {
    // A reexport reads its slices from where the finished run read them.
    if (args.source !== undefined) throw new BadRequestError(`start: "source" and "reexportFrom" exclude each other (a reexport reads the finished run's slices)`);
    const from = text("reexportFrom", 64);
    if (!RUN_ID.test(from)) throw new BadRequestError(`start: "reexportFrom" ${shown(from)} is not a run id (${RUN_ID.source})`);
    return { step, reexportFrom: from, ...config };
  }
  if (step === "start") return { step, source: text("source", 1024), ...config };
  const run = text("run", 64);
  if (!RUN_ID.test(run)) throw new BadRequestError(`${step}: "run" ${shown(run)} is not a run id (${RUN_ID.source})`);
  switch (step) {
    case "fanout":
    case "status": {
      const stage = text("stage", 64);
      if (!(STAGES as readonly string[]).includes(stage)) throw new BadRequestError(`${step}: unknown stage ${shown(stage)} (the stages are ${STAGES.join(", ")})`);
      return { step, run, stage: stage as FanOutStage };
    }
    case "plan":
      return { step, run };
    case "finalize":
      if (args.keepTmp !== undefined && typeof args.keepTmp !== "boolean") throw new BadRequestError(`finalize: "keepTmp" must be true or false, got ${shown(args.keepTmp)}`);
      return { step, run, keepTmp: args.keepTmp === true };
    case "fail": {
      // The workflow's own message, built from whatever failed: kept, cut to a size a run record holds.
      if (args.error !== undefined && typeof args.error !== "string") throw new BadRequestError(`fail: "error" must be a string, got ${shown(args.error)}`);
      const error = typeof args.error === "string" ? args.error.slice(0, 4000) : undefined;
      return { step, run, ...(args.stage === undefined ? {} : { stage: text("stage", 64) }), ...(error === undefined ? {} : { error }) };
    }
  }
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
