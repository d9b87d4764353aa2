// Batch mode in the spirit of Distributed-Fiji: a job file lists many fiji_cloudrun requests; each becomes
// one task of stage "fiji" with a deterministic id (its index and a hash of its content), so a re-submitted
// file publishes the same ids and skip-if-done (the RunStore's task records) re-runs nothing that finished.
//   { "run": "my-batch", "jobs": [ { "command": ..., "input-map": ..., "output-map": ... }, ... ] }
// "run" is optional: without it the run id is "fiji-" and a hash of the jobs (canonical JSON), so the same
// file always names the same run.
// A task fails for good (recorded, acked) when its request is bad, an input is missing, a bucket it names is
// missing or forbidden, or the command fails (non-zero exit, timeout, an output missing, or refused: over the
// size limit, not a regular file): re-running the same macro on the same input gives the same result. Any other store or sandbox fault is retryable (Pub/Sub
// redelivers, then dead-letters).
import { createHash } from "node:crypto";
import { PermanentError } from "../errors.js";
import type { RunStore, TaskMessage } from "../ports.js";
import { runFijiJob, type FijiJobDeps, type FijiJobResult } from "./job.js";
import { FijiRequestError, parseFijiRequest, type FijiPolicy } from "./request.js";

export const FIJI_STAGE = "fiji";

export interface FijiTask extends TaskMessage {
  stage: typeof FIJI_STAGE;
  index: number;
  request: Record<string, unknown>;
}

const RUN_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Tasks of a job file; every request is validated now, so a bad one fails the submission with its index. */
export function planFijiBatch(file: unknown, policy: FijiPolicy, where = "job file"): { run: string; tasks: FijiTask[]; jobsHash: string } {
  if (typeof file !== "object" || file === null || Array.isArray(file)) throw new PermanentError(`${where}: must be a JSON object { run, jobs }`);
  const { run: named, jobs, ...rest } = file as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new PermanentError(`${where}: unknown field "${unknown[0]}" (expected run, jobs)`);
  if (named !== undefined && (typeof named !== "string" || !RUN_ID.test(named))) throw new PermanentError(`${where}: "run" must match ${RUN_ID.source}`);
  if (!Array.isArray(jobs) || jobs.length === 0) throw new PermanentError(`${where}: "jobs" must be a non-empty array of requests`);
  const jobsHash = createHash("sha256").update(canonicalJson(jobs)).digest("hex");
  const run = typeof named === "string" ? named : `fiji-${jobsHash.slice(0, 12)}`;
  const width = String(jobs.length - 1).length;
  const tasks = jobs.map((request: unknown, index): FijiTask => {
    try {
      parseFijiRequest(request, policy);
    } catch (error) {
      if (error instanceof FijiRequestError) throw new PermanentError(`${where}: jobs[${index}].${error.message}`);
      throw error;
    }
    const hash = createHash("sha256").update(canonicalJson(request)).digest("hex").slice(0, 12);
    return { id: `fiji-${String(index).padStart(width, "0")}-${hash}`, run, stage: FIJI_STAGE, index, request: request as Record<string, unknown> };
  });
  return { run, tasks, jobsHash };
}

/** The router of "fiji" tasks: runs the job; its plain outcome is recorded with the task. */
export function fijiTaskRouter(deps: FijiJobDeps, policy: FijiPolicy): (task: TaskMessage) => Promise<FijiTaskOutcome> {
  return async (task) => {
    if (task.stage !== FIJI_STAGE) throw new PermanentError(`task ${task.id}: stage "${task.stage}" is not "${FIJI_STAGE}"`);
    let request;
    try {
      request = parseFijiRequest(task.request, policy);
    } catch (error) {
      if (error instanceof FijiRequestError) throw new PermanentError(`task ${task.id}: ${error.message}`);
      throw error;
    }
    const result = await runFijiJob(request, deps);
    if (!result.ok) {
      const why = failureOf(result);
      throw new PermanentError(`task ${task.id}: the command ${why}; stderr: ${tail(result.stderr)}; stdout: ${tail(result.stdout)}`);
    }
    return outcomeOf(result);
  };
}

export interface FijiTaskOutcome {
  exitCode: number | null;
  outputs: FijiJobResult["outputs"];
  durationMs: number;
  stdoutTail: string;
}

function outcomeOf(result: FijiJobResult): FijiTaskOutcome {
  return { exitCode: result.exitCode, outputs: result.outputs, durationMs: result.durationMs, stdoutTail: tail(result.stdout) };
}

/** Why a job that ran is not ok, first cause first. */
function failureOf(result: FijiJobResult): string {
  if (result.timedOut) return "timed out";
  if (result.exitCode !== 0) return `exited with ${result.exitCode ?? result.signal}`;
  const refused = Object.entries(result.refusedOutputs).map(([name, reason]) => `${name} ${reason}`);
  const missing = result.missingOutputs.length > 0 ? [`did not write ${result.missingOutputs.join(", ")}`] : [];
  return [...missing, ...(refused.length > 0 ? [`refused output ${refused.join("; ")}`] : [])].join("; ");
}

function tail(text: string, max = 600): string {
  const t = text.trim();
  return t.length <= max ? t : `...${t.slice(-max)}`;
}

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value as Record<string, unknown>).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Skip-if-done: the tasks of a plan that the run has not recorded as done. Failed ones run again unless
 * retryFailed is false (then only tasks with no record at all are returned: `emingest fiji-batch` by default).
 */
export async function pendingFijiTasks(
  tasks: readonly FijiTask[],
  runs: { listTasks(run: string, stage: string): Promise<Array<{ id: string; status: string }>> },
  options: { retryFailed?: boolean } = {},
): Promise<FijiTask[]> {
  if (tasks.length === 0) return [];
  const retryFailed = options.retryFailed ?? true;
  const skip = new Set((await runs.listTasks(tasks[0].run, FIJI_STAGE)).filter((t) => t.status === "done" || !retryFailed).map((t) => t.id));
  return tasks.filter((t) => !skip.has(t.id));
}

/**
 * After a task of a batch settles: when every task of the run is recorded (done or failed), the run becomes
 * "done" (none failed) or "failed" (with how many), so `emingest status --watch` ends. Idempotent; the last
 * completion to commit counts after every other commit, so some delivery always sees the run complete.
 */
export async function settleFijiRun(runs: RunStore, run: string): Promise<void> {
  const record = await runs.getRun(run);
  if (!record || record.status !== "running") return;
  const total = record.totals[FIJI_STAGE] ?? 0;
  const { done, failed } = await runs.countTasks(run, FIJI_STAGE);
  if (done + failed < total) return;
  if (failed === 0) await runs.updateRun(run, { status: "done" });
  else await runs.updateRun(run, { status: "failed", details: { error: `${failed} of ${total} fiji task(s) failed` } });
}
