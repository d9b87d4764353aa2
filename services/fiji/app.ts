// The fiji service's HTTP surface (services/README.md "fiji service"):
//   POST / or /run   a fiji_cloudrun request -> 200 { ok, exitCode, stdout, stderr, outputs, missingOutputs,
//                    refusedOutputs, ... }
//                    whatever the command did (a failed macro is the job's outcome, not the service's);
//                    400 bad request (field named), 422 an input object is missing or undecodable, or a
//                    bucket of input-map/output-map is missing or forbidden (field, bucket, object, fault),
//                    429 busy (maxJobs running; Retry-After), 503 a transient bucket or sandbox fault.
//   POST /tasks      batch: a Pub/Sub push envelope (or task JSON) of stage "fiji" (core/fiji/batch.ts)
//   POST /dead-letter the batch's dead-letter push
//   GET  /healthz
// 422 rather than 404/403 for a bucket: those would read as "no such route" and "you may not call this
// service" (Cloud Run's own IAM answer), while the fault is a resource the request names.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorMessage, PermanentError } from "../../core/errors.js";
import { FijiBucketError, FijiInputError, runFijiJob, type FijiJobDeps, type FijiJobResult } from "../../core/fiji/job.js";
import { FijiRequestError, parseFijiRequest, type FijiPolicy, type FijiRequest } from "../../core/fiji/request.js";
import type { Logger } from "../../cloud-runtime/log.js";
import { BadRequestError, NOT_A_TASK_ACKNOWLEDGED, parseDeadLetter, parseDelivery } from "../../cloud-runtime/push.js";
import { readJsonBody } from "../../cloud-runtime/read-json.js";
import type { Reply, TaskHandlerDeps } from "../../cloud-runtime/task-delivery.js";
import { handleFijiDeadLetter, handleFijiTask } from "./batch-delivery.js";
import { JobSlots } from "./job-slots.js";

export interface FijiAppDeps extends FijiJobDeps {
  policy: FijiPolicy;
  maxJobs: number;
  /** The instance's job slots, shared with the pull subscriber (pull.ts); default: maxJobs of this app's own. */
  slots?: JobSlots;
  log: Logger;
  /** Batch mode: run state and the router of "fiji" tasks; without it /tasks answers 404. */
  batch?: Pick<TaskHandlerDeps, "runs" | "routerFor">;
  /** Runs a parsed request (tests replace it); default runFijiJob. */
  run?: (request: FijiRequest, deps: FijiJobDeps) => Promise<FijiJobResult>;
  maxBodyBytes?: number;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createFijiApp(deps: FijiAppDeps): RequestListener {
  // The instance's job slots: a value of this app (or of the server that shares them), not module state.
  const slots = deps.slots ?? new JobSlots(deps.maxJobs);
  const run = deps.run ?? runFijiJob;

  async function runRequest(body: unknown): Promise<Reply> {
    let request: FijiRequest;
    try {
      request = parseFijiRequest(body, deps.policy);
    } catch (error) {
      if (error instanceof FijiRequestError) return { status: 400, body: { error: error.message, field: error.field } };
      throw error;
    }
    const release = slots.tryAcquire();
    if (!release) {
      return { status: 429, body: { error: `busy: ${slots.running} job(s) running, this instance runs ${slots.size} at a time` } };
    }
    try {
      deps.log("INFO", `job started: ${request.command}`, { stage: "fiji" });
      const result = await run(request, deps);
      deps.log(result.ok ? "INFO" : "WARNING", `job ended: exit ${result.exitCode}${result.timedOut ? " (timed out)" : ""}, ${result.durationMs} ms`, {
        stage: "fiji",
        exitCode: result.exitCode,
        missingOutputs: result.missingOutputs,
        refusedOutputs: result.refusedOutputs,
      });
      return { status: 200, body: { ...result } };
    } catch (error) {
      if (error instanceof FijiInputError) return { status: 422, body: { error: error.message, field: error.field } };
      if (error instanceof FijiBucketError) {
        deps.log("ERROR", `job failed (bucket): ${error.message}`, { stage: "fiji", bucket: error.ref.bucket, fault: error.fault });
        return { status: 422, body: { error: error.message, field: error.field, bucket: error.ref.bucket, object: error.ref.object, fault: error.fault } };
      }
      if (error instanceof PermanentError) return { status: 422, body: { error: error.message } };
      deps.log("ERROR", `job failed (infrastructure): ${errorMessage(error)}`, { stage: "fiji" });
      return { status: 503, body: { error: errorMessage(error) } };
    } finally {
      release();
    }
  }

  async function route(req: IncomingMessage): Promise<Reply> {
    const path = new URL(req.url ?? "/", "http://service").pathname.replace(/\/+$/, "") || "/";
    if (req.method === "GET" && path === "/healthz") return { status: 200, body: { ok: true, running: slots.running, maxJobs: slots.size } };
    if (req.method !== "POST") return { status: 405, body: { error: `${req.method} is not allowed` } };
    const body = await readJsonBody(req, deps.maxBodyBytes ?? 32 * 1024 * 1024);
    if (path === "/" || path === "/run") return runRequest(body);
    if ((path === "/tasks" || path === "/dead-letter") && deps.batch) {
      const batch = { ...deps.batch, log: deps.log };
      if (path === "/dead-letter") {
        const dead = parseDeadLetter(body, deps.log);
        return dead ? handleFijiDeadLetter(dead, batch) : NOT_A_TASK_ACKNOWLEDGED;
      }
      const delivery = parseDelivery(body);
      const release = slots.tryAcquire();
      if (!release) return { status: 429, body: { error: "busy" } };
      try {
        return await handleFijiTask(delivery, batch);
      } finally {
        release();
      }
    }
    return { status: 404, body: { error: `no route ${path}` } };
  }

  return (req, res) => {
    void route(req).then(
      (reply) => send(res, reply),
      (error: unknown) => {
        if (error instanceof BadRequestError) return send(res, { status: 400, body: { error: error.message, field: "body" } });
        deps.log("ERROR", `request ${req.method} ${req.url} failed: ${errorMessage(error)}`, { stack: (error as Error)?.stack });
        send(res, { status: 500, body: { error: errorMessage(error) } });
      },
    );
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
  if (reply.status === 429) headers["retry-after"] = 5;
  res.writeHead(reply.status, headers);
  res.end(body);
}
