// Loaded in every worker thread: builds the file stores once and hands tasks to the core's router.
import { createTaskRouter } from "../../core/pipeline/handlers.js";
import type { TaskMessage } from "../../core/ports.js";
import { FileStore } from "./file-store.js";
import { namingFailures } from "./named-failures.js";

export interface PipelineWorkerData {
  sourceDir: string;
  outDir: string;
  sourceName: string;
}

export function createTaskHandler(data: unknown): (task: TaskMessage) => Promise<unknown> {
  const { sourceDir, outDir, sourceName } = data as PipelineWorkerData;
  const deps = { source: namingFailures(new FileStore(sourceDir), sourceDir), out: namingFailures(new FileStore(outDir), outDir), sourceName };
  return createTaskRouter(deps);
}
