// One delivered batch task, pushed (POST /tasks, /dead-letter) or pulled (pull.ts): the shared task handler
// (skip-if-done, completion recorded once, permanent vs retryable), then the run settles. One function for both
// transports, so they cannot drift apart on what a delivery means.
import { FIJI_STAGE, settleFijiRun } from "../../core/fiji/batch.js";
import type { Logger } from "../../cloud-runtime/log.js";
import type { Delivery } from "../../cloud-runtime/push.js";
import { handleDeadLetter, handleTask, type Reply, type TaskHandlerDeps } from "../../cloud-runtime/task-delivery.js";

export type FijiBatchDeps = Pick<TaskHandlerDeps, "runs" | "routerFor"> & { log: Logger };

/** 200 done, already done or failed for good (recorded); 503 retryable. Throws when the store fails. */
export async function handleFijiTask(delivery: Delivery, deps: FijiBatchDeps): Promise<Reply> {
  return settled(delivery, await handleTask(delivery, { ...deps, stages: [FIJI_STAGE] }), deps);
}

export async function handleFijiDeadLetter(delivery: Delivery, deps: FijiBatchDeps): Promise<Reply> {
  return settled(delivery, await handleDeadLetter(delivery, deps), deps);
}

// A settled task may be the run's last: the run becomes done or failed. A fault here throws (a 500, a nack),
// and the redelivery, acknowledged as a duplicate, settles again.
async function settled(delivery: Delivery, reply: Reply, deps: FijiBatchDeps): Promise<Reply> {
  if (reply.status === 200 && delivery.task.stage === FIJI_STAGE) await settleFijiRun(deps.runs, delivery.task.run);
  return reply;
}
