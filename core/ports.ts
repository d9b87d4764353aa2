// The three ports the core talks to (DESIGN.md "Every box above is a thin entry point over one pure core").
// Ports speak bytes and plain data; a missing object is `undefined`, never an exception.
import type { RunDetails } from "./run-details.js";

/** Bytes under string keys: a bucket prefix, or a directory on disk. */
export interface ObjectStore {
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * The whole object and the version token (as listVersions gives it) of the very bytes returned; undefined
   * when the object is missing. What a reader needs to prove that two reads saw the same content.
   */
  getVersioned(key: string): Promise<VersionedBytes | undefined>;
  /** `length` bytes from `offset`; fewer at the end of the object; undefined when the object is missing. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<void>;
  /** Every key that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * The keys of `list(prefix)` with a version token each: it changes whenever the object is written again
   * (GCS: the generation; on disk: inode, size and modification time). Opaque; compare for equality only.
   */
  listVersions(prefix: string): Promise<Map<string, string>>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

export interface VersionedBytes {
  bytes: Uint8Array;
  version: string;
}

export interface PutOptions {
  contentType?: string;
  contentEncoding?: string;
}

/** A task is plain JSON: it can be a Pub/Sub message unchanged (HOUSE-STYLE.md rule 5). */
export interface TaskMessage {
  /** Deterministic within a run: redelivery of the same task has the same id. */
  id: string;
  run: string;
  stage: string;
  [field: string]: unknown;
}

/** Fan-out of tasks. Delivery is at-least-once; handlers are idempotent. */
export interface TaskQueue {
  publish(tasks: readonly TaskMessage[]): Promise<void>;
}

export type RunStatus =
  | "enumerating"
  | "aligning"
  | "planning"
  | "rendering"
  | "pyramid"
  | "finalizing"
  /** A fiji batch (core/fiji/batch.ts) whose tasks are not all settled. */
  | "running"
  | "done"
  | "failed";

export interface RunRecord {
  run: string;
  status: RunStatus;
  config: unknown;
  /** Total tasks per stage, set when the stage is fanned out. */
  totals: Record<string, number>;
  /** What the steps recorded about the run, field by field (run-details.ts). */
  details: RunDetails;
  createdAt: string;
  updatedAt: string;
}

export interface TaskRecord {
  run: string;
  id: string;
  stage: string;
  status: "done" | "failed";
  attempts: number;
  durationMs: number;
  /** The handler's plain-data outcome (done) */
  outcome?: unknown;
  /** Why it failed, naming the slice, field or object (failed) */
  error?: string;
}

export type RunPatch = Partial<Omit<RunRecord, "run" | "createdAt">>;

/** How every RunStore applies an update: totals and details merge key by key, the rest is replaced. */
export function mergeRunPatch(current: RunRecord, patch: RunPatch, now: () => Date = () => new Date()): RunRecord {
  return {
    ...current,
    ...patch,
    totals: { ...current.totals, ...patch.totals },
    details: { ...current.details, ...patch.details },
    updatedAt: patch.updatedAt ?? now().toISOString(),
  };
}

/** Run state: runs, per-task completion, stage counts. Completion is recorded once per task id. */
export interface RunStore {
  getRun(run: string): Promise<RunRecord | undefined>;
  /** Creates the run if missing; returns the stored record (an existing one wins). */
  createRun(record: RunRecord): Promise<RunRecord>;
  updateRun(run: string, patch: RunPatch): Promise<RunRecord>;
  /** Records a task's final state. Returns false when the task was already recorded as done (nothing changes). */
  recordTask(record: TaskRecord): Promise<boolean>;
  getTask(run: string, id: string): Promise<TaskRecord | undefined>;
  listTasks(run: string, stage: string): Promise<TaskRecord[]>;
  countTasks(run: string, stage: string): Promise<{ done: number; failed: number }>;
}
