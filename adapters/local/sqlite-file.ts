// The SQLite database file of the local run state (node-sqlite3-wasm), with the same calls as the library's
// Database, except that a failure to open, read or write the file is a StateStoreError: one line that names
// the file and the cause (a full disk, a read-only folder), not the library's "disk I/O error".
import sqlite from "node-sqlite3-wasm";
import { stateStoreError } from "./state-store-error.js";

const { Database } = sqlite;
type BindValues = Parameters<InstanceType<typeof Database>["run"]>[1];

export class SqliteFile {
  private readonly db: InstanceType<typeof Database>;

  constructor(readonly file: string) {
    this.db = this.guard(() => new Database(file));
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  close(): void {
    this.guard(() => this.db.close());
  }

  exec(sql: string): void {
    this.guard(() => this.db.exec(sql));
  }

  run(sql: string, values?: BindValues) {
    return this.guard(() => this.db.run(sql, values));
  }

  get(sql: string, values?: BindValues) {
    return this.guard(() => this.db.get(sql, values));
  }

  all(sql: string, values?: BindValues) {
    return this.guard(() => this.db.all(sql, values));
  }

  /**
   * `body` in one transaction. After an I/O error SQLite has already rolled the transaction back, so it is
   * rolled back here only when still open; the error reported is the first one, whatever the rollback does.
   */
  transaction<T>(body: () => T): T {
    this.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      this.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.db.inTransaction) {
        try {
          this.db.exec("ROLLBACK");
        } catch (rollbackError) {
          throw stateStoreError(error, this.file, rollbackError);
        }
      }
      throw error;
    }
  }

  private guard<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw stateStoreError(error, this.file);
    }
  }
}
