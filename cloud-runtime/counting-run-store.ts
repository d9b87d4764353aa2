// A RunStore decorator that counts the Firestore operations its calls bill, by the mapping of
// adapters/gcp/firestore-run-store.ts (what each method sends) and Firestore's billing rules: a document
// get is 1 read; create is 1 write (an existing run: + the get that returns it); updateRun and recordTask
// are a transaction of 1 read + 1 write (recordTask of a task already done: the read only); a query bills 1
// read per document returned, at least 1; a count() aggregation 1 read per 1,000 index entries counted,
// at least 1 (two per countTasks: done and failed). It also keeps the largest run and task record it saw.
// A service wraps its store in it only when its configuration asks (OPERATION_COUNTS_FILE, operation-counts.ts).
import type { RunPatch, RunRecord, RunStore, TaskRecord } from "../core/ports.js";

export interface FirestoreCounts {
  reads: number;
  /** The reads of count() aggregations (part of reads). */
  countReads: number;
  writes: number;
  byMethod: Record<string, number>;
  /** Bytes of the largest stored form seen (JSON of the record: what the document's text fields hold). */
  largestRun: number;
  largestTask: number;
}

export const zeroFirestore = (): FirestoreCounts => ({ reads: 0, countReads: 0, writes: 0, byMethod: {}, largestRun: 0, largestTask: 0 });

export class CountingRunStore implements RunStore {
  constructor(
    private readonly inner: RunStore,
    /** Swapped for a fresh one to count a run on its own. */
    public counts: FirestoreCounts,
  ) {}

  private bill(method: string, reads: number, writes: number): void {
    this.counts.reads += reads;
    this.counts.writes += writes;
    this.counts.byMethod[method] = (this.counts.byMethod[method] ?? 0) + 1;
  }

  private sawRun(r: RunRecord | undefined): void {
    if (r) this.counts.largestRun = Math.max(this.counts.largestRun, Buffer.byteLength(JSON.stringify(r)));
  }

  async getRun(run: string): Promise<RunRecord | undefined> {
    this.bill("getRun", 1, 0);
    const r = await this.inner.getRun(run);
    this.sawRun(r);
    return r;
  }

  async createRun(record: RunRecord): Promise<RunRecord> {
    const stored = await this.inner.createRun(record);
    const existed = JSON.stringify(stored) !== JSON.stringify(record);
    this.bill("createRun", existed ? 1 : 0, existed ? 0 : 1);
    this.sawRun(stored);
    return stored;
  }

  async updateRun(run: string, patch: RunPatch): Promise<RunRecord> {
    this.bill("updateRun", 1, 1);
    const r = await this.inner.updateRun(run, patch);
    this.sawRun(r);
    return r;
  }

  async recordTask(record: TaskRecord): Promise<boolean> {
    const written = await this.inner.recordTask(record);
    this.bill("recordTask", 1, written ? 1 : 0);
    this.counts.largestTask = Math.max(this.counts.largestTask, Buffer.byteLength(JSON.stringify(record)));
    return written;
  }

  async getTask(run: string, id: string): Promise<TaskRecord | undefined> {
    this.bill("getTask", 1, 0);
    return this.inner.getTask(run, id);
  }

  async listTasks(run: string, stage: string): Promise<TaskRecord[]> {
    const list = await this.inner.listTasks(run, stage);
    this.bill("listTasks", Math.max(1, list.length), 0);
    return list;
  }

  async countTasks(run: string, stage: string): Promise<{ done: number; failed: number }> {
    const c = await this.inner.countTasks(run, stage);
    const reads = Math.max(1, Math.ceil(c.done / 1000)) + Math.max(1, Math.ceil(c.failed / 1000));
    this.counts.countReads += reads;
    this.bill("countTasks", reads, 0);
    return c;
  }
}
