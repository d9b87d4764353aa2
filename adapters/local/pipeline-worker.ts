// Loaded in every worker thread: builds the file stores once and hands tasks to the core's router.
import { createTaskRouter } from "../../core/pipeline/task-router.js";
import type { TaskMessage } from "../../core/ports.js";
import { FaultyFileStore, type KillSwitchData } from "./fault-injection.js";
import { FileStore } from "./file-store.js";
import { namingFailures } from "./named-failures.js";

export interface PipelineWorkerData {
  sourceDir: string;
  outDir: string;
  /** The run's own folder for temporary files (output-claim.ts WRITES_DIR). */
  outTempDir: string;
  sourceName: string;
  /** Only in fault-injection tests: the kill switch shared with the main thread. */
  faults?: KillSwitchData;
}

export function createTaskHandler(data: unknown): (task: TaskMessage) => Promise<unknown> {
  const { sourceDir, outDir, outTempDir, sourceName, faults } = data as PipelineWorkerData;
  const options = { tempDir: outTempDir };
  const out = faults ? new FaultyFileStore(outDir, options, faults) : new FileStore(outDir, options);
  return createTaskRouter({ source: namingFailures(new FileStore(sourceDir), sourceDir), out: namingFailures(out, outDir), sourceName });
}
