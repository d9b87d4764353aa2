// A local run's state in its output folder, opened in this order: the run lock, the claim (output-claim.ts),
// then the SQLite run store. Holding the lock makes this process the only user of the database, so a lock
// that a killed process left on the database file (node-sqlite3-wasm locks with a "<file>.lock" folder) is
// stale and is removed; SQLite itself rolls back a half-done transaction from its journal when the file is
// opened. The caller has checked the folder (checkOutputFolder) before this writes anything.
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { PermanentError } from "../../core/errors.js";
import { checkOutputFolder, claimOutputFolder, LOCK_FILE, STATE_DIR } from "./output-claim.js";
import { acquireRunLock } from "./run-lock.js";
import { SqliteRunStore } from "./sqlite-run-store.js";

export const STATE_FILE = path.join(STATE_DIR, "state.sqlite");

export interface LocalState {
  runs: SqliteRunStore;
  close(): Promise<void>;
}

/**
 * Opens the state of run `run` in `outDir`, claiming the folder for it; without `run`, the state of the run
 * that already claimed the folder (a folder no run claimed is refused). `label` names the folder in errors.
 * `afterWrite` is called after each of the writes this makes (lock, claim, database): fault-injection tests
 * kill the process there.
 */
export async function openLocalState(outDir: string, label: string, run?: string, afterWrite: (what: string) => void = () => undefined): Promise<LocalState> {
  if (run === undefined && (await checkOutputFolder(outDir, label)) !== "resume") {
    throw new PermanentError(`${label}: holds no emingest run`);
  }
  const stateDir = path.join(outDir, STATE_DIR);
  const hadStateDir = existsSync(stateDir);
  const lock = await acquireRunLock(path.join(outDir, LOCK_FILE), label);
  try {
    afterWrite("run lock");
    if (run !== undefined) {
      await claimOutputFolder(outDir, label, run);
      afterWrite("run claim");
    }
    const file = path.join(outDir, STATE_FILE);
    await fs.rm(`${file}.lock`, { recursive: true, force: true });
    const runs = new SqliteRunStore(file);
    afterWrite("state database");
    return {
      runs,
      close: async () => {
        runs.close();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    // The folder changed between the caller's check and the lock (claimOutputFolder refused it): leave it
    // as it was, without the state folder the lock made.
    if (!hadStateDir) await removeIfEmpty(stateDir);
    throw error;
  }
}

/** rmdir: removes the folder only when it holds nothing. */
async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await fs.rmdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOENT") throw error;
  }
}
