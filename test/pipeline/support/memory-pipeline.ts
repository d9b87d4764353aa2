// The pipeline in one process over the memory stores (test/support/memory-*.ts): a source folder of sample
// slices, a StageRunner that runs each task through the core's router and records it the one way every
// delivery path does (core/task-completion.ts), and the services' task delivery over a memory queue. No
// worker thread, no emulator, no subprocess: the whole pipeline runs in a few seconds.
import sharp from "sharp";
import { errorMessage, failureKind } from "../../../core/errors.js";
import { createTaskRouter } from "../../../core/pipeline/task-router.js";
import type { StepDeps } from "../../../core/pipeline/deps.js";
import type { FailedTask, StageRunner } from "../../../core/pipeline/stage-runner.js";
import type { ObjectStore, RunStore, TaskMessage } from "../../../core/ports.js";
import { generateSampleStack } from "../../../core/sample/index.js";
import { recordCompletion } from "../../../core/task-completion.js";
import { silentLogger } from "../../../cloud-runtime/log.js";
import type { TaskHandlerDeps } from "../../../cloud-runtime/task-delivery.js";
import { MemoryRunStore } from "../../support/memory-run-store.js";
import { MemoryStore } from "../../support/memory-store.js";

/** `count` sample slices of size x size as 8-bit PNGs, named img00000.png ... */
export async function sampleSource(count: number, size: number, seed = 5): Promise<MemoryStore> {
  const source = new MemoryStore();
  const stack = generateSampleStack({ count, width: size, height: size, seed });
  for (const [z, slice] of stack.slices.entries()) {
    const png = await sharp(slice.data, { raw: { width: slice.width, height: slice.height, channels: 1 } }).toColourspace("b-w").png().toBuffer();
    await source.put(`img${String(z).padStart(5, "0")}.png`, png);
  }
  return source;
}

/** Fresh stores over a source: an empty output and an empty run store. */
export function memoryDeps(source: ObjectStore): StepDeps & { out: MemoryStore; runs: MemoryRunStore } {
  return { source, out: new MemoryStore(), runs: new MemoryRunStore(), sourceName: "slices" };
}

/** Runs every task of a stage in order, in this process; a failure is recorded as the local pool records it. */
export class InProcessRunner implements StageRunner {
  readonly delivered: TaskMessage[] = [];
  private readonly route: ReturnType<typeof createTaskRouter>;

  constructor(private readonly deps: StepDeps) {
    this.route = createTaskRouter(deps);
  }

  async runStage(_stage: string, tasks: readonly TaskMessage[]): Promise<FailedTask[]> {
    const failed: FailedTask[] = [];
    for (const task of tasks) {
      this.delivered.push(task);
      let outcome: unknown;
      try {
        outcome = await this.route(task);
      } catch (error) {
        if (failureKind(error) !== "permanent") throw error;
        await recordCompletion(this.deps.runs, task, { ok: false, attempts: 1, durationMs: 0, error: errorMessage(error) });
        failed.push({ id: task.id, stage: task.stage, error: errorMessage(error), attempts: 1 });
        continue;
      }
      await recordCompletion(this.deps.runs, task, { ok: true, attempts: 1, durationMs: 0, outcome });
    }
    return failed;
  }
}

/** What the services' handleTask needs, over one run's stores (the cloud resolves them per run; here there is one). */
export function deliveryDeps(deps: StepDeps & { runs: RunStore }, stages: readonly string[]): TaskHandlerDeps {
  const router = createTaskRouter(deps);
  return { runs: deps.runs, stages, log: silentLogger, clock: () => 0, routerFor: async () => router };
}

export const FIXED_NOW = () => new Date("2026-01-01T00:00:00.000Z");
