// A StageRunner for the bench: the core's task router in this process, one task at a time (so process CPU
// time belongs to the task that runs), each completion recorded in the RunStore as the local runner does.
// Peak RSS is sampled per task and kept per stage.
import { errorMessage } from "../../core/errors.js";
import type { FailedTask, StageRunner } from "../../core/pipeline/stage-runner.js";
import type { TaskMessage, RunStore } from "../../core/ports.js";
import { recordCompletion } from "../../core/task-completion.js";
import type { RssSampler } from "./rss-sampler.js";
import { restOf, type StepClock } from "../../core/util/step-clock.js";

export class InProcessRunner implements StageRunner {
  /** stage -> highest RSS (bytes) seen while one of its tasks ran. */
  readonly peakRss = new Map<string, number>();
  readonly tasks = new Map<string, number>();

  constructor(
    private readonly route: (task: TaskMessage) => Promise<unknown>,
    private readonly runs: RunStore,
    private readonly clock: StepClock,
    private readonly rss: RssSampler,
    /** The barrier that ran before each stage, for the clock's books ("plan" before "render"). */
    private readonly barrierAfter: (stage: string) => string,
  ) {}

  async runStage(stage: string, tasks: readonly TaskMessage[]): Promise<FailedTask[]> {
    this.clock.setStage(stage);
    const failed: FailedTask[] = [];
    for (const task of tasks) {
      const started = performance.now();
      this.rss.reset();
      try {
        const outcome = await this.clock.measure(restOf(stage), () => this.route(task));
        this.peakRss.set(stage, Math.max(this.peakRss.get(stage) ?? 0, this.rss.read()));
        await recordCompletion(this.runs, task, { ok: true, attempts: 1, durationMs: performance.now() - started, outcome });
      } catch (error) {
        const message = errorMessage(error);
        await recordCompletion(this.runs, task, { ok: false, attempts: 1, durationMs: performance.now() - started, error: message });
        failed.push({ id: task.id, stage, error: message, attempts: 1 });
      }
    }
    this.tasks.set(stage, (this.tasks.get(stage) ?? 0) + tasks.length);
    this.clock.setStage(this.barrierAfter(stage));
    return failed;
  }
}
