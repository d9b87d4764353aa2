// Routes a task to its stage handler. Each handler is `(task, deps) => outcome` (HOUSE-STYLE.md rule 4):
// it reads its inputs, writes only keys that are a pure function of the task, and returns plain data.
// Nothing runs before the message is checked to be one of the run's tasks (task-check.ts).
import type { TaskMessage } from "../ports.js";
import { alignTask } from "./align-task.js";
import { MetadataCache } from "./cache.js";
import type { TaskDeps } from "./deps.js";
import { featuresTask } from "./features-task.js";
import { pyramidTask } from "./pyramid-task.js";
import { renderTask } from "./render-task.js";
import { checkRunTask, type CheckDeps } from "./task-check.js";
import type { FanOutStage } from "./stages.js";
import type { PipelineTask } from "./tasks.js";

/** Runs a task; `check` only checks that it is one of the run's tasks (throws ForeignTaskError otherwise). */
export type TaskRouter = ((task: TaskMessage) => Promise<unknown>) & { check?: (task: TaskMessage) => Promise<unknown> };

/** One router per worker or service instance; it memoises each run's manifest and plan. */
export function createTaskRouter(deps: TaskDeps & Pick<CheckDeps, "runs">): TaskRouter {
  const cache = new MetadataCache();
  const check = (message: TaskMessage) => checkRunTask(message, deps, cache);
  return Object.assign(async (message: TaskMessage) => routeTask(await check(message), deps, cache), { check });
}

type Handler<T extends PipelineTask> = (task: T, deps: TaskDeps, cache: MetadataCache) => Promise<unknown>;

/** One handler per fan-out stage of stages.ts: a stage without one does not compile. */
const HANDLERS: { [S in FanOutStage]: Handler<Extract<PipelineTask, { stage: S }>> } = {
  features: featuresTask,
  align: alignTask,
  bridge: alignTask,
  render: renderTask,
  pyramid: pyramidTask,
};

function routeTask(task: PipelineTask, deps: TaskDeps, cache: MetadataCache): Promise<unknown> {
  return (HANDLERS[task.stage] as Handler<PipelineTask>)(task, deps, cache);
}
