// A TaskQueue in memory, for tests that drive the cloud's steps in one process: publish keeps each task as
// its JSON (what a Pub/Sub message carries), and `deliver` hands them, in publish order, to a delivery
// function (the services' handleTask, say) until none is left, including tasks published meanwhile. Test
// support, not a production adapter.
import type { TaskMessage, TaskQueue } from "../../core/ports.js";

export class MemoryQueue implements TaskQueue {
  /** Every task ever published, in order. */
  readonly published: TaskMessage[] = [];
  private readonly pending: string[] = [];

  async publish(tasks: readonly TaskMessage[]): Promise<void> {
    for (const task of tasks) {
      const data = JSON.stringify(task);
      this.published.push(JSON.parse(data) as TaskMessage);
      this.pending.push(data);
    }
  }

  /** Delivers every pending task once; returns how many were delivered. */
  async deliver(to: (task: TaskMessage) => Promise<unknown>): Promise<number> {
    let delivered = 0;
    for (let data = this.pending.shift(); data !== undefined; data = this.pending.shift()) {
      await to(JSON.parse(data) as TaskMessage);
      delivered++;
    }
    return delivered;
  }
}
