// RunStore in one SQLite file (node-sqlite3-wasm: WebAssembly SQLite with real file I/O, installs from npm
// alone). Each call is one statement or one transaction, so a killed process leaves a consistent database
// and a rerun resumes from what is recorded as done. A file that cannot be written (a full disk) fails
// with one line naming it (sqlite-file.ts).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { mergeRunPatch, type RunPatch, type RunRecord, type RunStore, type TaskRecord } from "../../core/ports.js";
import { SqliteFile } from "./sqlite-file.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (run TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
  run TEXT NOT NULL, id TEXT NOT NULL, stage TEXT NOT NULL, status TEXT NOT NULL,
  attempts INTEGER NOT NULL, duration_ms REAL NOT NULL, outcome TEXT, error TEXT,
  PRIMARY KEY (run, id)
);
CREATE INDEX IF NOT EXISTS tasks_by_stage ON tasks (run, stage, status);
`;

export class SqliteRunStore implements RunStore {
  private readonly db: SqliteFile;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new SqliteFile(file);
    this.db.exec(SCHEMA);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  async getRun(run: string): Promise<RunRecord | undefined> {
    const row = this.db.get("SELECT record FROM runs WHERE run = ?", [run]);
    return row ? (JSON.parse(String(row.record)) as RunRecord) : undefined;
  }

  async createRun(record: RunRecord): Promise<RunRecord> {
    this.db.run("INSERT OR IGNORE INTO runs (run, record) VALUES (?, ?)", [record.run, JSON.stringify(record)]);
    const stored = await this.getRun(record.run);
    if (!stored) throw new Error(`run ${record.run} was not stored`);
    return stored;
  }

  async updateRun(run: string, patch: RunPatch): Promise<RunRecord> {
    return this.transaction(() => {
      const row = this.db.get("SELECT record FROM runs WHERE run = ?", [run]);
      if (!row) throw new Error(`run ${run} does not exist`);
      const current = JSON.parse(String(row.record)) as RunRecord;
      const next = mergeRunPatch(current, patch);
      this.db.run("UPDATE runs SET record = ? WHERE run = ?", [JSON.stringify(next), run]);
      return next;
    });
  }

  async recordTask(record: TaskRecord): Promise<boolean> {
    return this.transaction(() => {
      const row = this.db.get("SELECT status FROM tasks WHERE run = ? AND id = ?", [record.run, record.id]);
      if (row && row.status === "done") return false;
      this.db.run(
        `INSERT OR REPLACE INTO tasks (run, id, stage, status, attempts, duration_ms, outcome, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          record.run,
          record.id,
          record.stage,
          record.status,
          record.attempts,
          record.durationMs,
          record.outcome === undefined ? null : JSON.stringify(record.outcome),
          record.error ?? null,
        ],
      );
      return true;
    });
  }

  async getTask(run: string, id: string): Promise<TaskRecord | undefined> {
    const row = this.db.get("SELECT * FROM tasks WHERE run = ? AND id = ?", [run, id]);
    return row ? toTask(row) : undefined;
  }

  async listTasks(run: string, stage: string): Promise<TaskRecord[]> {
    return this.db.all("SELECT * FROM tasks WHERE run = ? AND stage = ? ORDER BY id", [run, stage]).map(toTask);
  }

  async countTasks(run: string, stage: string): Promise<{ done: number; failed: number }> {
    const rows = this.db.all("SELECT status, COUNT(*) AS n FROM tasks WHERE run = ? AND stage = ? GROUP BY status", [run, stage]);
    const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { done: count("done"), failed: count("failed") };
  }

  private transaction<T>(body: () => T): T {
    return this.db.transaction(body);
  }
}

function toTask(row: Record<string, unknown>): TaskRecord {
  return {
    run: String(row.run),
    id: String(row.id),
    stage: String(row.stage),
    status: row.status === "done" ? "done" : "failed",
    attempts: Number(row.attempts),
    durationMs: Number(row.duration_ms),
    outcome: row.outcome === null ? undefined : JSON.parse(String(row.outcome)),
    error: row.error === null ? undefined : String(row.error),
  };
}
