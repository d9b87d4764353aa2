// Fault injection for the kill-point tests (test/hostile/kill-points.test.ts): a real SIGKILL of the whole
// process right after the k-th write of a local run. Writes are counted across the main thread and the
// worker threads in one SharedArrayBuffer, so "k" numbers every object write (the temporary file, then its
// rename), object delete and run-state change of the run, in the order they happen. Built only when the CLI
// was started with a fault plan (cli/fault-plan.ts); normal runs use the plain stores.
import { writeSync } from "node:fs";
import { FileStore, type FileStoreOptions } from "./file-store.js";
import type { RunPatch, RunRecord, RunStore, TaskRecord } from "../../core/ports.js";

/** Plain data, so it can cross into a worker thread (the buffer is shared, not copied). */
export interface KillSwitchData {
  killAfter: number;
  counter: SharedArrayBuffer;
}

export function newKillSwitch(killAfter: number): KillSwitchData {
  return { killAfter, counter: new SharedArrayBuffer(4) };
}

/** Counts one write; the one numbered killAfter is the last thing the process does. */
export function afterWrite(data: KillSwitchData, what: string): void {
  const n = Atomics.add(new Int32Array(data.counter), 0, 1) + 1;
  if (n !== data.killAfter) return;
  // fd 2 directly: a worker's process.stderr is forwarded asynchronously and would be lost with the process.
  writeSync(2, `fault injection: killed after write ${n} (${what})\n`);
  process.kill(process.pid, "SIGKILL");
}

/** A FileStore that counts both halves of every put and every delete. */
export class FaultyFileStore extends FileStore {
  constructor(
    root: string,
    options: FileStoreOptions,
    private readonly faults: KillSwitchData,
  ) {
    super(root, options);
  }

  override async put(key: string, bytes: Uint8Array): Promise<void> {
    const temp = await this.writeTemp(key, bytes);
    afterWrite(this.faults, `temporary file of ${key}`);
    await this.commitTemp(temp, key);
    afterWrite(this.faults, `put ${key}`);
  }

  override async delete(key: string): Promise<void> {
    await super.delete(key);
    afterWrite(this.faults, `delete ${key}`);
  }

  override async removeAbandonedWrites(): Promise<number> {
    const removed = await super.removeAbandonedWrites();
    afterWrite(this.faults, `${removed} abandoned temporary file(s) removed`);
    return removed;
  }
}

/** A RunStore that counts every change of run state. */
export class FaultyRunStore implements RunStore {
  constructor(
    private readonly inner: RunStore,
    private readonly faults: KillSwitchData,
  ) {}

  async createRun(record: RunRecord): Promise<RunRecord> {
    const stored = await this.inner.createRun(record);
    afterWrite(this.faults, `create run ${record.run}`);
    return stored;
  }

  async updateRun(run: string, patch: RunPatch): Promise<RunRecord> {
    const next = await this.inner.updateRun(run, patch);
    afterWrite(this.faults, `update run ${run} (${Object.keys(patch).join(", ")}${patch.status ? ` -> ${patch.status}` : ""})`);
    return next;
  }

  async recordTask(record: TaskRecord): Promise<boolean> {
    const changed = await this.inner.recordTask(record);
    afterWrite(this.faults, `record task ${record.id} ${record.status}`);
    return changed;
  }

  getRun(run: string): Promise<RunRecord | undefined> {
    return this.inner.getRun(run);
  }

  getTask(run: string, id: string): Promise<TaskRecord | undefined> {
    return this.inner.getTask(run, id);
  }

  listTasks(run: string, stage: string): Promise<TaskRecord[]> {
    return this.inner.listTasks(run, stage);
  }

  countTasks(run: string, stage: string): Promise<{ done: number; failed: number }> {
    return this.inner.countTasks(run, stage);
  }
}
