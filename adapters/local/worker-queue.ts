// TaskQueue on a worker_threads pool (default: one worker per core). Delivery is at-least-once like
// Pub/Sub: a retryable failure, or a worker that dies, puts the task back with exponential backoff;
// a permanent failure, or too many attempts, puts it on the failed list. The handler runs in the workers;
// results come back to the main thread through `onSettled`, which records them. When recording fails (the
// state database on a full disk), nothing more is started and `drain` rejects with that error.
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import type { TaskMessage, TaskQueue } from "../../core/ports.js";
import type { FailureKind } from "../../core/errors.js";

export interface Settled {
  task: TaskMessage;
  attempts: number;
  durationMs: number;
  ok: boolean;
  outcome?: unknown;
  error?: string;
  kind?: FailureKind;
  /** The errno name when the failure was an ordinary condition of the machine (os-error.ts): "ENOSPC". */
  condition?: string;
  /** The message is not one of its run's tasks (ForeignTaskError): it must not be recorded. */
  refused?: boolean;
}

/** The longest timer Node keeps: a longer setTimeout fires after 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WorkerQueueOptions {
  /** Module (file URL or path) exporting `createTaskHandler(workerData)`; loaded in every worker. */
  handlerModule: string;
  workerData: unknown;
  workers?: number;
  maxAttempts?: number;
  backoffMs?: number;
  /** A task running longer than this is stopped (its worker is terminated) and retried; 0 = no limit. */
  taskTimeoutMs?: number;
  onSettled: (result: Settled) => void | Promise<void>;
}

/** Sent by a worker for each task. */
export type WorkerReply =
  | { id: string; ok: true; outcome: unknown }
  | { id: string; ok: false; kind: FailureKind; error: string; condition?: string; refused?: boolean };

interface Pending {
  task: TaskMessage;
  attempts: number;
  readyAt: number;
}

interface Slot {
  worker: Worker;
  busy?: { pending: Pending; started: number; timer?: NodeJS.Timeout };
  timedOut?: boolean;
}

export class WorkerQueue implements TaskQueue {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private readonly failed: Settled[] = [];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The first error of `onSettled`: nothing more starts, and `drain` rejects with it. */
  private broken: { error: unknown } | undefined;
  private readonly size: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;

  constructor(private readonly options: WorkerQueueOptions) {
    this.size = Math.max(1, options.workers ?? availableParallelism());
    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoffMs = options.backoffMs ?? 250;
    const limit = options.taskTimeoutMs ?? 0;
    if (!(limit >= 0 && limit <= MAX_TIMER_MS)) throw new RangeError(`task timeout ${limit} ms is not between 0 and ${MAX_TIMER_MS} ms`);
  }

  async publish(tasks: readonly TaskMessage[]): Promise<void> {
    if (this.closed) throw new Error("queue is closed");
    const now = Date.now();
    for (const task of tasks) this.waiting.push({ task, attempts: 0, readyAt: now });
    this.pump();
  }

  /** Resolves when nothing is waiting or running; returns the tasks that failed for good since the last drain. */
  async drain(): Promise<Settled[]> {
    if (!this.broken && (this.waiting.length > 0 || this.inFlight > 0)) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.broken) throw this.broken.error;
    return this.failed.splice(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
  }

  private spawn(): Slot {
    const worker = new Worker(new URL("./task-worker.js", import.meta.url), {
      workerData: { handlerModule: this.options.handlerModule, data: this.options.workerData },
    });
    const slot: Slot = { worker };
    worker.on("message", (reply: WorkerReply) => void this.onReply(slot, reply));
    worker.on("error", (error) => this.onWorkerDeath(slot, `worker crashed: ${error.message}`));
    worker.on("exit", (code) => {
      if (this.closed) return;
      const limit = `${(this.options.taskTimeoutMs ?? 0) / 1000} s`;
      this.onWorkerDeath(slot, slot.timedOut ? `task timed out after ${limit}` : `worker exited with code ${code}`);
    });
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    if (this.closed) return;
    if (this.broken) {
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    const now = Date.now();
    while (this.waiting.length > 0) {
      const index = this.waiting.findIndex((p) => p.readyAt <= now);
      if (index < 0) break;
      const slot = this.slots.find((s) => !s.busy) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) break;
      const [pending] = this.waiting.splice(index, 1);
      pending.attempts += 1;
      slot.busy = { pending, started: Date.now(), timer: this.startTimer(slot) };
      this.inFlight += 1;
      slot.worker.postMessage(pending.task);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length > 0) {
      const next = Math.min(...this.waiting.map((p) => p.readyAt));
      this.timer = setTimeout(() => this.pump(), Math.max(1, next - now));
    }
    if (this.waiting.length === 0 && this.inFlight === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private startTimer(slot: Slot): NodeJS.Timeout | undefined {
    const limit = this.options.taskTimeoutMs ?? 0;
    if (limit <= 0) return undefined;
    return setTimeout(() => {
      slot.timedOut = true;
      void slot.worker.terminate();
    }, limit);
  }

  private async onReply(slot: Slot, reply: WorkerReply): Promise<void> {
    const busy = slot.busy;
    if (!busy || busy.pending.task.id !== reply.id || slot.timedOut) return;
    clearTimeout(busy.timer);
    slot.busy = undefined;
    const durationMs = Date.now() - busy.started;
    if (reply.ok) {
      await this.settle({ task: busy.pending.task, attempts: busy.pending.attempts, durationMs, ok: true, outcome: reply.outcome });
    } else {
      await this.retryOrFail(busy.pending, durationMs, reply.kind, reply.error, { condition: reply.condition, refused: reply.refused });
    }
    this.inFlight -= 1;
    this.pump();
  }

  private onWorkerDeath(slot: Slot, error: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const busy = slot.busy;
    slot.busy = undefined;
    clearTimeout(busy?.timer);
    if (busy) {
      void this.retryOrFail(busy.pending, Date.now() - busy.started, "retryable", error).then(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async retryOrFail(pending: Pending, durationMs: number, kind: FailureKind, error: string, why: Pick<Settled, "condition" | "refused"> = {}): Promise<void> {
    if (kind === "retryable" && pending.attempts < this.maxAttempts) {
      pending.readyAt = Date.now() + this.backoffMs * 2 ** (pending.attempts - 1);
      this.waiting.push(pending);
      return;
    }
    const result: Settled = { task: pending.task, attempts: pending.attempts, durationMs, ok: false, error, kind };
    if (why.condition) result.condition = why.condition;
    if (why.refused) result.refused = true;
    this.failed.push(result);
    await this.settle(result);
  }

  private async settle(result: Settled): Promise<void> {
    try {
      await this.options.onSettled(result);
    } catch (error) {
      this.broken ??= { error };
    }
  }
}
