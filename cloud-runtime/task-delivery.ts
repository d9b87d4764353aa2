// One delivered task, pushed or pulled: check that it is one of its run's tasks, run it through the core's
// router, record completion once (core/task-completion.ts; a transaction keyed by task id), and map the
// outcome to HTTP as DESIGN.md says: 2xx when done or failed for good (recorded: Pub/Sub must not
// redeliver), 5xx when retryable (Pub/Sub redelivers with backoff, then dead-letters), 422 when the message
// is not a task of the run (core/pipeline/tasks.ts ForeignTaskError: a forged or misrouted message). A
// refused message is never recorded, here or when it reaches the dead letter, so it cannot count as one of
// the run's failures.
import { errorMessage } from "../core/errors.js";
import type { TaskRouter } from "../core/pipeline/task-router.js";
import { ForeignTaskError } from "../core/pipeline/tasks.js";
import type { RunStore, TaskMessage } from "../core/ports.js";
import { recordCompletion } from "../core/task-completion.js";
import { cloudFailureKind } from "../adapters/gcp/failure-kind.js";
import type { Logger } from "./log.js";
import type { Delivery } from "./push.js";

export type { TaskRouter };

export interface TaskHandlerDeps {
  runs: RunStore;
  /**
   * The router over a run's stores (createTaskRouter). For a run that does not exist it throws ForeignTaskError;
   * its `check`, when it has one, tells whether a message is one of the run's tasks without running it.
   */
  routerFor(run: string): Promise<TaskRouter>;
  /** Stages this service runs. */
  stages: readonly string[];
  log: Logger;
  clock?: () => number;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export async function handleTask(delivery: Delivery, deps: TaskHandlerDeps): Promise<Reply> {
  const { task, attempt } = delivery;
  const clock = deps.clock ?? Date.now;
  const fields = { run: task.run, task: task.id, stage: task.stage, attempt, messageId: delivery.messageId };
  const started = clock();
  const failed = async (error: unknown): Promise<Reply> => {
    const durationMs = clock() - started;
    const message = errorMessage(error);
    if (error instanceof ForeignTaskError) {
      deps.log("WARNING", `task ${task.id} refused, nothing recorded: ${message}`, { ...fields, durationMs });
      return { status: 422, body: { id: task.id, status: "refused", error: message } };
    }
    if (cloudFailureKind(error) === "permanent") {
      await recordCompletion(deps.runs, task, { ok: false, attempts: attempt, durationMs, error: message });
      deps.log("ERROR", `task ${task.id} failed for good: ${message}`, { ...fields, durationMs });
      return { status: 200, body: { id: task.id, status: "failed", error: message } };
    }
    deps.log("WARNING", `task ${task.id} failed, will be retried: ${message}`, { ...fields, durationMs });
    return { status: 503, body: { id: task.id, status: "retry", error: message } };
  };
  let router: TaskRouter;
  try {
    router = await checkedRouter(task, deps);
  } catch (error) {
    return failed(error);
  }
  const previous = await deps.runs.getTask(task.run, task.id);
  if (previous?.status === "done") {
    deps.log("INFO", `task ${task.id} was already done; redelivery acknowledged`, fields);
    return { status: 200, body: { id: task.id, status: "duplicate" } };
  }
  deps.log("INFO", `task ${task.id} started`, fields);
  let outcome: unknown;
  try {
    outcome = (await router(task)) ?? null;
  } catch (error) {
    return failed(error);
  }
  const durationMs = clock() - started;
  const recorded = await recordCompletion(deps.runs, task, { ok: true, attempts: attempt, durationMs, outcome });
  deps.log("INFO", recorded ? `task ${task.id} done` : `task ${task.id} done (already recorded by another delivery)`, { ...fields, durationMs });
  return { status: 200, body: { id: task.id, status: recorded ? "done" : "duplicate" } };
}

/** The run's router, once the message is known to be one of the run's tasks for this service (else ForeignTaskError). */
async function checkedRouter(task: TaskMessage, deps: Pick<TaskHandlerDeps, "routerFor"> & { stages?: readonly string[] }): Promise<TaskRouter> {
  if (deps.stages && !deps.stages.includes(task.stage)) {
    throw new ForeignTaskError(`task ${task.id}: stage "${task.stage}" is not run by this service (${deps.stages.join(", ")})`);
  }
  const router = await deps.routerFor(task.run);
  await router.check?.(task);
  return router;
}

/**
 * A message that exhausted its delivery attempts, pushed from the dead-letter topic's subscription: the task
 * is recorded as failed (unless a delivery did finish it), so the stage settles and the run reports it. A
 * message that is not one of its run's tasks was refused on every delivery: acknowledged, logged, not recorded.
 */
export async function handleDeadLetter(
  delivery: Delivery,
  deps: Pick<TaskHandlerDeps, "runs" | "log"> & Partial<Pick<TaskHandlerDeps, "routerFor" | "stages">>,
): Promise<Reply> {
  const { task, attributes } = delivery;
  const labels = { run: task.run, task: task.id, stage: task.stage, messageId: delivery.messageId };
  if (deps.routerFor) {
    try {
      await checkedRouter(task, { routerFor: deps.routerFor, stages: deps.stages });
    } catch (error) {
      // Refused on every delivery: not one of the run's tasks. A permanent fault of the run itself (no
      // recorded location) is recorded below like any dead letter; a transient one is retried.
      if (error instanceof ForeignTaskError) {
        const refusal = error.message;
        deps.log("ERROR", `dead-lettered message ${delivery.messageId ?? "(no id)"} is not a task of run ${task.run} (${refusal}); acknowledged, nothing recorded`, labels);
        return { status: 200, body: { id: task.id, status: "refused", error: refusal } };
      }
      if (cloudFailureKind(error) === "retryable") throw error;
    }
  }
  const attempts = Number(attributes.CloudPubSubDeadLetterSourceDeliveryCount ?? 0) || delivery.attempt;
  const from = attributes.CloudPubSubDeadLetterSourceSubscription ?? "its subscription";
  const error = `dead-lettered after ${attempts} delivery attempt(s) from ${from}; see the service logs of task ${task.id} for each failure`;
  const recorded = await recordCompletion(deps.runs, task, { ok: false, attempts, durationMs: 0, error });
  deps.log(recorded ? "ERROR" : "INFO", recorded ? `task ${task.id}: ${error}` : `task ${task.id} was dead-lettered but is already done`, labels);
  return { status: 200, body: { id: task.id, status: recorded ? "dead-lettered" : "duplicate" } };
}
