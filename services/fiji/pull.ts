// Pull delivery of batch tasks (FIJI_PULL_SUBSCRIPTION), for jobs longer than a push subscription's 600 s ack
// deadline: a pulled message is handled exactly as POST /tasks handles a push (batch-delivery.ts) in one of the
// instance's job slots, and settled by the same rule (pull-settlement.ts).
import type { PubSub } from "@google-cloud/pubsub";
import { errorMessage } from "../../core/errors.js";
import { startPullSubscriber, type PulledMessage, type PullHandler, type PullSubscriber, type Settlement } from "../../adapters/gcp/pubsub-pull.js";
import type { Logger } from "../../cloud-runtime/log.js";
import { BadRequestError, parseDelivery, type Delivery } from "../../cloud-runtime/push.js";
import { handleFijiTask, type FijiBatchDeps } from "./batch-delivery.js";
import type { FijiPullConfig } from "./config.js";
import type { JobSlots } from "./job-slots.js";
import { settlementOf, type PullOutcome } from "./pull-settlement.js";

export interface FijiPullDeps {
  batch: FijiBatchDeps;
  slots: JobSlots;
  log: Logger;
  /** Named in logs, as a push envelope names its subscription. */
  subscription: string;
}

export function fijiPullHandler(deps: FijiPullDeps): PullHandler {
  return async (message, signal) => {
    const outcome = await handle(message, signal, deps);
    const settlement = settlementOf(outcome);
    logOutcome(message, outcome, settlement, deps.log);
    return settlement;
  };
}

async function handle(message: PulledMessage, signal: AbortSignal, deps: FijiPullDeps): Promise<PullOutcome> {
  let delivery: Delivery;
  try {
    // The pushed envelope's shape, so both transports parse a task in one place.
    delivery = parseDelivery({
      message: { data: message.data.toString("base64"), attributes: message.attributes, messageId: message.id },
      subscription: deps.subscription,
      deliveryAttempt: message.deliveryAttempt,
    });
  } catch (error) {
    if (error instanceof BadRequestError) return { kind: "malformed", error: error.message };
    throw error;
  }
  // Only a shutdown ends the wait for a slot: the message goes back for another instance.
  const release = await deps.slots.acquire(signal).catch((reason: unknown) => {
    if (signal.aborted) return undefined;
    throw reason;
  });
  if (!release) return { kind: "not-started" };
  try {
    return { kind: "handled", reply: await handleFijiTask(delivery, deps.batch) };
  } catch (error) {
    return { kind: "fault", error: errorMessage(error) };
  } finally {
    release();
  }
}

function logOutcome(message: PulledMessage, outcome: PullOutcome, settlement: Settlement, log: Logger): void {
  const fields = { messageId: message.id, settlement, ...(message.attributes.run ? { run: message.attributes.run, task: message.attributes.id } : {}) };
  // The handler has logged the task's own outcome; these are the cases it never saw.
  if (outcome.kind === "malformed") log("ERROR", `pulled message ${message.id} is not a task, acknowledged and dropped: ${outcome.error}`, fields);
  else if (outcome.kind === "fault") log("ERROR", `pulled message ${message.id} failed, delivered again later: ${outcome.error}`, fields);
  else if (outcome.kind === "not-started") log("INFO", `pulled message ${message.id} not started before shutdown, delivered again later`, fields);
}

/** Pulls with one message per job slot, and leases as long as config says a job may take. */
export function startFijiPull(pubsub: PubSub, config: FijiPullConfig, deps: Omit<FijiPullDeps, "subscription">): PullSubscriber {
  return startPullSubscriber(pubsub, config.subscription, fijiPullHandler({ ...deps, subscription: config.subscription }), {
    maxMessages: deps.slots.size,
    maxExtensionSeconds: config.maxExtensionSeconds,
    maxAckDeadlineSeconds: config.maxAckDeadlineSeconds,
    onError: (error) => deps.log("ERROR", `pull subscription ${config.subscription}: ${errorMessage(error)}`),
  });
}
