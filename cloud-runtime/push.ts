// Request bodies a service accepts: a Pub/Sub push envelope (the task's JSON in message.data, base64), or
// the task itself as JSON (the workflow, a test, a developer with curl). Parsed at the boundary.
import type { TaskMessage } from "../core/ports.js";
import type { Logger } from "./log.js";

export interface PushEnvelope {
  message: { data?: string; attributes?: Record<string, string>; messageId?: string; publishTime?: string };
  subscription?: string;
  /** Sent by Pub/Sub when the subscription has a dead-letter policy (not by the emulator). */
  deliveryAttempt?: number;
}

export interface Delivery {
  task: TaskMessage;
  /** 1 when the transport does not say. */
  attempt: number;
  messageId?: string;
  subscription?: string;
  attributes: Record<string, string>;
}

export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
}

export function isPushEnvelope(body: unknown): body is PushEnvelope {
  return typeof body === "object" && body !== null && typeof (body as PushEnvelope).message === "object" && (body as PushEnvelope).message !== null;
}

/** The task of a request body, or a BadRequestError that says what is wrong. */
export function parseDelivery(body: unknown): Delivery {
  if (isPushEnvelope(body)) {
    const data = body.message.data;
    if (typeof data !== "string") throw new BadRequestError("push envelope: message.data is missing");
    let task: unknown;
    try {
      task = JSON.parse(Buffer.from(data, "base64").toString("utf8"));
    } catch {
      throw new BadRequestError("push envelope: message.data is not base64 JSON");
    }
    return {
      task: checkTask(task, "message.data"),
      attempt: typeof body.deliveryAttempt === "number" && body.deliveryAttempt > 0 ? body.deliveryAttempt : 1,
      messageId: body.message.messageId,
      subscription: body.subscription,
      attributes: body.message.attributes ?? {},
    };
  }
  return { task: checkTask(body, "body"), attempt: 1, attributes: {} };
}

/**
 * Run ids, task ids and stage names are plain names (the pipeline's `run-<hash>`, `render-3`, a fiji batch's
 * `fiji-007-<hash>`): they become Firestore document ids and labels, so a "/", a control character or a
 * reserved `__x__` id is refused here, before any store sees it.
 */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

function checkTask(value: unknown, where: string): TaskMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BadRequestError(`${where}: a task must be a JSON object`);
  const t = value as Record<string, unknown>;
  for (const field of ["id", "run", "stage"]) {
    const v = t[field];
    if (typeof v !== "string" || v === "") throw new BadRequestError(`${where}: task field "${field}" must be a non-empty string`);
    if (!PLAIN_NAME.test(v)) throw new BadRequestError(`${where}: task field "${field}" is ${JSON.stringify(v.slice(0, 80))}, not a plain name (${PLAIN_NAME.source})`);
  }
  return t as TaskMessage;
}

/**
 * A dead-letter push whose message is not a task: no run can record it, and refusing it (4xx) would make the
 * dead-letter subscription, which has no dead-letter topic of its own, deliver it again until it expires.
 * So it is acknowledged and logged with what identifies it. Anything else that fails to parse is rethrown.
 */
export function parseDeadLetter(body: unknown, log: Logger): Delivery | undefined {
  try {
    return parseDelivery(body);
  } catch (error) {
    if (!(error instanceof BadRequestError) || !isPushEnvelope(body)) throw error;
    const data = typeof body.message.data === "string" ? body.message.data.slice(0, 200) : undefined;
    log("ERROR", `dead-lettered message ${body.message.messageId ?? "(no id)"} is not a task (${error.message}); acknowledged, nothing recorded`, {
      messageId: body.message.messageId,
      subscription: body.subscription,
      data,
    });
    return undefined;
  }
}

export const NOT_A_TASK_ACKNOWLEDGED = { status: 200, body: { status: "not-a-task" } } as const;
