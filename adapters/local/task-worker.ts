// Entry point of a WorkerQueue thread: loads the handler module once, then runs tasks one at a time and
// replies with the outcome or a classified failure (permanent / retryable). An ordinary condition of the
// machine (os-error.ts) is reported as one line naming its file, and is permanent unless it may pass on its
// own: a retry does not empty a full disk or make a folder writable. A message that is not one of its run's
// tasks (ForeignTaskError) is refused: reported, and never recorded.
import { parentPort, workerData } from "node:worker_threads";
import { errorMessage, failureKind, PermanentError } from "../../core/errors.js";
import { ForeignTaskError } from "../../core/pipeline/tasks.js";
import type { TaskMessage } from "../../core/ports.js";
import { osCondition, osConditionLine } from "./os-error.js";
import type { WorkerReply } from "./worker-queue.js";

type TaskHandler = (task: TaskMessage) => Promise<unknown>;
interface HandlerModule {
  createTaskHandler(data: unknown): TaskHandler | Promise<TaskHandler>;
}

const { handlerModule, data } = workerData as { handlerModule: string; data: unknown };
const port = parentPort;
if (!port) throw new Error("task-worker must run in a worker thread");

const handlerReady: Promise<TaskHandler> = import(handlerModule).then((mod: HandlerModule) => mod.createTaskHandler(data));

port.on("message", (task: TaskMessage) => {
  void run(task).then((reply) => port.postMessage(reply));
});

async function run(task: TaskMessage): Promise<WorkerReply> {
  try {
    const handler = await handlerReady;
    return { id: task.id, ok: true, outcome: (await handler(task)) ?? null };
  } catch (error) {
    if (error instanceof ForeignTaskError) return { id: task.id, ok: false, kind: "permanent", error: errorMessage(error), refused: true };
    const condition = error instanceof PermanentError ? undefined : osCondition(error);
    if (condition) return { id: task.id, ok: false, kind: condition.transient ? "retryable" : "permanent", error: osConditionLine(condition), condition: condition.code };
    return { id: task.id, ok: false, kind: failureKind(error), error: errorMessage(error) };
  }
}
