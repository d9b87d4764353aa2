// RunStore on Firestore (DESIGN.md "Run state in Firestore"), with the semantics of the local
// SqliteRunStore: an existing run wins on create, a task recorded as done is never overwritten.
//
// Layout: runs/{run} holds the run record; runs/{run}/tasks/{taskId} one document per task.
// No hot document: each completion touches only its own task document (a transaction keyed by task id),
// and stage progress is a count() aggregation over task documents, never a shared counter.
// Plain-data blobs (config, details, outcome) are stored as JSON text: Firestore refuses nested arrays
// (an affine matrix) and undefined values, and the core's data must round-trip unchanged.
import type { CollectionReference, DocumentData, DocumentReference, Firestore } from "@google-cloud/firestore";
import { mergeRunPatch, type RunPatch, type RunRecord, type RunStore, type TaskRecord } from "../../core/ports.js";
import type { RunDetails } from "../../core/run-details.js";

/** A run record as stored: config and details as JSON text. */
type RunDoc = Omit<RunRecord, "config" | "details"> & { config: string; details: string };

/** A task record as stored: the outcome as JSON text, absent fields as null. */
type TaskDoc = Omit<TaskRecord, "outcome" | "error"> & { outcome: string | null; error: string | null };

/** Firestore's gRPC status for a create() on an existing document. */
const ALREADY_EXISTS = 6;

export class FirestoreRunStore implements RunStore {
  constructor(
    private readonly db: Firestore,
    /** Top-level collection; tests isolate themselves with their own. */
    private readonly collection = "runs",
  ) {}

  private runs(): CollectionReference<DocumentData> {
    return this.db.collection(this.collection);
  }

  private runDoc(run: string): DocumentReference<DocumentData> {
    return this.runs().doc(checkId(run, "run id"));
  }

  private tasks(run: string): CollectionReference<DocumentData> {
    return this.runDoc(run).collection("tasks");
  }

  async getRun(run: string): Promise<RunRecord | undefined> {
    const snap = await this.runDoc(run).get();
    return snap.exists ? fromRunDoc(snap.data() as RunDoc) : undefined;
  }

  async createRun(record: RunRecord): Promise<RunRecord> {
    const ref = this.runDoc(record.run);
    try {
      await ref.create(toRunDoc(record));
      return structuredClone(record);
    } catch (error) {
      if ((error as { code?: unknown }).code !== ALREADY_EXISTS) throw error;
    }
    const stored = await this.getRun(record.run);
    if (!stored) throw new Error(`run ${record.run} was not stored`);
    return stored;
  }

  /** A transaction on the run document: only the workflow's barrier steps call it, a handful per run. */
  async updateRun(run: string, patch: RunPatch): Promise<RunRecord> {
    const ref = this.runDoc(run);
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) throw new Error(`run ${run} does not exist`);
      const current = fromRunDoc(snap.data() as RunDoc);
      const next = mergeRunPatch(current, patch);
      tx.set(ref, toRunDoc(next));
      return next;
    });
  }

  /**
   * The first record of a task is one create() (a single commit that fails if the document exists), the
   * common case; only a task recorded before (a failed attempt, or a concurrent delivery) takes the
   * transaction, which keeps a "done" and overwrites a "failed". Either way a done record is never replaced.
   */
  async recordTask(record: TaskRecord): Promise<boolean> {
    const ref = this.tasks(record.run).doc(checkId(record.id, "task id"));
    try {
      await ref.create(toTaskDoc(record));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code !== ALREADY_EXISTS) throw error;
    }
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (snap.exists && (snap.data() as TaskDoc).status === "done") return false;
      tx.set(ref, toTaskDoc(record));
      return true;
    });
  }

  async getTask(run: string, id: string): Promise<TaskRecord | undefined> {
    const snap = await this.tasks(run).doc(checkId(id, "task id")).get();
    return snap.exists ? fromTaskDoc(snap.data() as TaskDoc) : undefined;
  }

  async listTasks(run: string, stage: string): Promise<TaskRecord[]> {
    const snap = await this.tasks(run).where("stage", "==", stage).get();
    return snap.docs.map((d) => fromTaskDoc(d.data() as TaskDoc)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Two count() aggregations: equality filters on single fields need no composite index. */
  async countTasks(run: string, stage: string): Promise<{ done: number; failed: number }> {
    const byStage = this.tasks(run).where("stage", "==", stage);
    const [done, failed] = await Promise.all(
      (["done", "failed"] as const).map(async (status) => (await byStage.where("status", "==", status).count().get()).data().count),
    );
    return { done, failed };
  }

  /** Failed tasks of a run across stages, at most `limit` (for status reports). */
  async listFailed(run: string, limit = 20): Promise<TaskRecord[]> {
    const snap = await this.tasks(run).where("status", "==", "failed").limit(limit).get();
    return snap.docs.map((d) => fromTaskDoc(d.data() as TaskDoc));
  }
}

/** Document ids may not contain "/" nor be "." or ".." (Firestore's rule); our ids never do. */
function checkId(id: string, what: string): string {
  if (id === "" || id.includes("/") || id === "." || id === ".." || /^__.*__$/.test(id)) {
    throw new RangeError(`${what} "${id}" cannot be a Firestore document id`);
  }
  return id;
}

function toRunDoc(r: RunRecord): RunDoc {
  return {
    run: r.run,
    status: r.status,
    config: JSON.stringify(r.config ?? null),
    totals: { ...r.totals },
    details: JSON.stringify(r.details ?? {}),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function fromRunDoc(d: RunDoc): RunRecord {
  return {
    run: d.run,
    status: d.status,
    config: JSON.parse(d.config) as unknown,
    totals: { ...(d.totals ?? {}) },
    details: JSON.parse(d.details) as RunDetails,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

function toTaskDoc(t: TaskRecord): TaskDoc {
  return {
    run: t.run,
    id: t.id,
    stage: t.stage,
    status: t.status,
    attempts: t.attempts,
    durationMs: t.durationMs,
    outcome: t.outcome === undefined ? null : JSON.stringify(t.outcome),
    error: t.error ?? null,
  };
}

function fromTaskDoc(d: TaskDoc): TaskRecord {
  return {
    run: d.run,
    id: d.id,
    stage: d.stage,
    status: d.status === "done" ? "done" : "failed",
    attempts: d.attempts,
    durationMs: d.durationMs,
    outcome: d.outcome === null ? undefined : (JSON.parse(d.outcome) as unknown),
    error: d.error === null ? undefined : d.error,
  };
}
