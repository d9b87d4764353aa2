// StageRunner for one machine: a WorkerQueue runs the tasks, the main thread records each completion in
// the RunStore once (keyed by task id; core/task-completion.ts, as the services do) and reports progress. A stage whose tasks failed on an ordinary
// condition of the machine (a full disk, a read-only folder: os-error.ts) stops the run with that one line
// instead of a list of tasks: the tasks are not at fault, and every other one would fail the same way. A
// failure to record (the state database on a full disk) stops the run with that error. A task that the
// worker refuses as not one of its run's tasks (core/pipeline/task-check.ts) is never recorded.
import { PermanentError } from "../../core/errors.js";
import type { RunStore, TaskMessage } from "../../core/ports.js";
import { recordCompletion } from "../../core/task-completion.js";
import type { FailedTask, ProgressSink, StageRunner } from "../../core/pipeline/stage-runner.js";
import { WorkerQueue, type Settled } from "./worker-queue.js";

export interface LocalRunnerOptions {
  runs: RunStore;
  progress: ProgressSink;
  workers?: number;
  maxAttempts?: number;
  backoffMs?: number;
  taskTimeoutMs?: number;
  /** Data every worker gets to build its stores: see pipeline-worker.ts. */
  workerData: unknown;
}

export class LocalStageRunner implements StageRunner {
  private queue: WorkerQueue | undefined;

  constructor(private readonly options: LocalRunnerOptions) {}

  async runStage(stage: string, tasks: readonly TaskMessage[]): Promise<FailedTask[]> {
    const queue = this.ensureQueue();
    await queue.publish(tasks);
    const failed = await queue.drain();
    const refused = failed.filter((f) => f.refused);
    if (refused.length > 0) {
      throw new PermanentError(`${refused.length} ${stage} task(s) are not tasks of their run, nothing recorded for them: ${refused[0].error}`);
    }
    const conditions = failed.filter((f) => f.condition !== undefined);
    if (conditions.length > 0) {
      const others = conditions.length > 1 ? `; ${conditions.length - 1} more ${stage} task(s) failed on the same kind of condition` : "";
      throw new PermanentError(`${conditions[0].error} (task ${conditions[0].task.id}${others})`);
    }
    return failed.map((f) => ({ id: f.task.id, stage: f.task.stage, error: f.error ?? "unknown error", attempts: f.attempts }));
  }

  async close(): Promise<void> {
    await this.queue?.close();
    this.queue = undefined;
  }

  private ensureQueue(): WorkerQueue {
    if (!this.queue) {
      this.queue = new WorkerQueue({
        handlerModule: new URL("./pipeline-worker.js", import.meta.url).href,
        workerData: this.options.workerData,
        workers: this.options.workers,
        maxAttempts: this.options.maxAttempts,
        backoffMs: this.options.backoffMs,
        taskTimeoutMs: this.options.taskTimeoutMs,
        onSettled: (result) => this.record(result),
      });
    }
    return this.queue;
  }

  private async record(result: Settled): Promise<void> {
    const { task } = result;
    if (result.refused) return;
    const { attempts, durationMs } = result;
    await recordCompletion(
      this.options.runs,
      task,
      result.ok ? { ok: true, attempts, durationMs, outcome: result.outcome } : { ok: false, attempts, durationMs, error: result.error ?? "unknown error" },
    );
    this.options.progress.taskSettled(task.stage, result.ok);
  }
}
