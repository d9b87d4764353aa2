// What a failed write of the local state database means, in one line that names the file. node-sqlite3-wasm
// implements SQLite's file I/O with node:fs and turns every failed write into SQLITE_IOERR_WRITE ("disk I/O
// error") without the errno, and SQLite then rolls the transaction back itself. So the cause is asked of the
// folder: a probe write beside the database gives the errno (ENOSPC, EROFS, EACCES), and a folder with less
// free space than the database file plus 1 MiB counts as full too (the write that failed was a journal of up
// to the database's size, deleted again by the rollback).
import { randomBytes } from "node:crypto";
import { rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { errorMessage, PermanentError } from "../../core/errors.js";
import { osCondition, osConditionLine, type OsCondition } from "./os-error.js";

/** SQLite's messages for a file it could not open, read or write (sqlite3.c sqlite3ErrStr). */
const IO_MESSAGES = /disk I\/O error|database or disk is full|unable to open database file|attempt to write a readonly database|Could not open the database/;

const PROBE_BYTES = 64 * 1024;
const SLACK_BYTES = 1024 * 1024;

/** The state database could not be used; the message names the file and the cause. */
export class StateStoreError extends PermanentError {}

/** `error` of an operation on the database `file`, as one line; errors that are not I/O are returned unchanged. */
export function stateStoreError(error: unknown, file: string, also?: unknown): unknown {
  if (error instanceof StateStoreError) return error;
  const message = errorMessage(error);
  const direct = osCondition(error);
  if (!direct && !IO_MESSAGES.test(message)) return error;
  const condition = direct ?? folderCondition(file);
  const cause = condition ? osConditionLine({ ...condition, object: file }) : `${file}: ${message} (SQLite)`;
  return new StateStoreError(`${cause}: the run state could not be written`, { cause: also === undefined ? error : [error, also] });
}

function folderCondition(file: string): OsCondition | undefined {
  const dir = path.dirname(file);
  const probe = path.join(dir, `.probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    writeFileSync(probe, new Uint8Array(PROBE_BYTES), { flag: "wx" });
  } catch (error) {
    const condition = osCondition(error);
    if (condition) return condition;
    throw error;
  } finally {
    rmSync(probe, { force: true });
  }
  const free = statfsSync(dir);
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (free.bavail * free.bsize < size + SLACK_BYTES) return { code: "ENOSPC", cause: "the disk is full", transient: false };
  return undefined;
}
