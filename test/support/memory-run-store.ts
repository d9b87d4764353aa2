// A RunStore in memory, for tests that drive the pipeline's steps in one process. Test support, not a
// production adapter. Records go in and come out through JSON, as they do in SQLite and Firestore, so a
// value the real stores could not hold (undefined inside an array, a class instance) fails here too, and a
// caller cannot change a stored record by holding on to it. Same contract as the real stores
// (test/support/store-contracts.ts): an existing run wins over createRun, a task recorded as done stays done.
import { mergeRunPatch, type RunPatch, type RunRecord, type RunStore, type TaskRecord } from "../../core/ports.js";

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly tasks = new Map<string, Map<string, TaskRecord>>();

  async getRun(run: string): Promise<RunRecord | undefined> {
    const record = this.runs.get(run);
    return record && copy(record);
  }

  async createRun(record: RunRecord): Promise<RunRecord> {
    if (!this.runs.has(record.run)) this.runs.set(record.run, copy(record));
    return copy(this.runs.get(record.run)!);
  }

  async updateRun(run: string, patch: RunPatch): Promise<RunRecord> {
    const current = this.runs.get(run);
    if (!current) throw new Error(`run ${run} does not exist`);
    const next = copy(mergeRunPatch(current, patch));
    this.runs.set(run, next);
    return copy(next);
  }

  async recordTask(record: TaskRecord): Promise<boolean> {
    const tasks = this.tasks.get(record.run) ?? new Map<string, TaskRecord>();
    this.tasks.set(record.run, tasks);
    if (tasks.get(record.id)?.status === "done") return false;
    tasks.set(record.id, copy(record));
    return true;
  }

  async getTask(run: string, id: string): Promise<TaskRecord | undefined> {
    const record = this.tasks.get(run)?.get(id);
    return record && copy(record);
  }

  async listTasks(run: string, stage: string): Promise<TaskRecord[]> {
    const all = [...(this.tasks.get(run)?.values() ?? [])].filter((t) => t.stage === stage);
    return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(copy);
  }

  async countTasks(run: string, stage: string): Promise<{ done: number; failed: number }> {
    const all = await this.listTasks(run, stage);
    return { done: all.filter((t) => t.status === "done").length, failed: all.filter((t) => t.status === "failed").length };
  }
}
