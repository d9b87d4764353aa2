// The HTTP surface shared by services/align and services/emwrite: Pub/Sub push (or direct JSON) tasks,
// the dead-letter push, and the workflow's barrier steps. A plain node:http listener: no framework needed.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorMessage } from "../core/errors.js";
import { cloudFailureKind } from "../adapters/gcp/failure-kind.js";
import type { Logger } from "./log.js";
import { BadRequestError, NOT_A_TASK_ACKNOWLEDGED, parseDeadLetter, parseDelivery } from "./push.js";
import { readJsonBody } from "./read-json.js";
import { STEP_NAMES, type StepName } from "./step-args.js";
import { handleStep, type StepHandlerDeps } from "./steps.js";
import { handleDeadLetter, handleTask, type Reply, type TaskHandlerDeps } from "./task-delivery.js";

export interface AppDeps extends TaskHandlerDeps, StepHandlerDeps {
  log: Logger;
  /** Largest request body accepted (push messages are at most 10 MB). */
  maxBodyBytes?: number;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createApp(deps: AppDeps): RequestListener {
  return (req, res) => {
    void route(req, deps).then(
      (reply) => send(res, reply),
      (error: unknown) => {
        if (error instanceof BadRequestError) return send(res, { status: 400, body: { error: error.message } });
        // A store that fails while recording: retryable (Firestore unreachable) is 500 and Pub/Sub redelivers;
        // permanent (a record Firestore refuses) is 422, so the workflow does not retry it either.
        const permanent = cloudFailureKind(error) === "permanent";
        deps.log("ERROR", `request ${req.method} ${req.url} failed: ${errorMessage(error)}`, { stack: (error as Error)?.stack });
        send(res, { status: permanent ? 422 : 500, body: { error: errorMessage(error) } });
      },
    );
  };
}

async function route(req: IncomingMessage, deps: AppDeps): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://service");
  const path = url.pathname.replace(/\/+$/, "") || "/";
  if (req.method === "GET" && path === "/healthz") return { status: 200, body: { ok: true } };
  if (req.method !== "POST") return { status: 405, body: { error: `${req.method} is not allowed` } };
  const body = await readJsonBody(req, deps.maxBodyBytes ?? 16 * 1024 * 1024, {});
  if (path === "/" || path === "/tasks") return handleTask(parseDelivery(body), deps);
  if (path === "/dead-letter") {
    const delivery = parseDeadLetter(body, deps.log);
    return delivery ? handleDeadLetter(delivery, deps) : NOT_A_TASK_ACKNOWLEDGED;
  }
  const step = /^\/steps\/([a-z]+)$/.exec(path)?.[1];
  if (step && (STEP_NAMES as readonly string[]).includes(step)) return handleStep(step as StepName, body, deps);
  return { status: 404, body: { error: `no route ${path}` } };
}

function send(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
