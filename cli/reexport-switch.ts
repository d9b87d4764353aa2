// The switch of a local reexport (`emingest reexport`): the new run, finished in its staging folder
// <out>/.emingest/reexport/<run>/, replaces the finished run in <out>. Every step is one rename, write or
// delete, and each is decided from what is on disk, so a kill after any of them is finished by the next
// `emingest reexport <out>` (which finishes a pending switch before anything else):
//   1. the journal .emingest/reexport/switch.json {from, to, old, new}: from here on the switch goes forward;
//   2. each of the old run's top-level output folders (ng/, report/) moved aside to .emingest/reexport/previous/,
//      while the new run still has its own in staging;
//   3. each of the new run's moved from staging into <out>;
//   4. the state database moved aside, the new one moved in; then the claim names the new run;
//   5. the old outputs deleted from previous/, only the keys the old run's ledger names (output-ledger.ts),
//      then the old database; anything else found there is left, and said;
//   6. the staging folder's own files (claim, empty folders) deleted by name, then the journal.
// While the journal exists, `emingest run` into <out> is refused (refuseDuringSwitch): the folder is between
// two runs.
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { FileStore } from "../adapters/local/file-store.js";
import { CLAIM_FILE, STATE_DIR, WRITES_DIR } from "../adapters/local/output-claim.js";
import { STATE_FILE } from "../adapters/local/local-state.js";
import { SqliteRunStore } from "../adapters/local/sqlite-run-store.js";
import { tempName } from "../adapters/local/file-store.js";
import { PermanentError } from "../core/errors.js";
import { runLedger } from "../core/pipeline/output-ledger.js";
import type { ObjectStore } from "../core/ports.js";

export const REEXPORT_DIR = path.join(STATE_DIR, "reexport");
export const SWITCH_FILE = path.join(REEXPORT_DIR, "switch.json");
/** Where the old run's outputs wait for their deletion. */
const PREVIOUS_DIR = path.join(REEXPORT_DIR, "previous");

export interface SwitchJournal {
  from: string;
  to: string;
  /** Top-level entries of <out> (outside .emingest/) that the old run wrote, and that the new one wrote. */
  old: string[];
  new: string[];
}

/** The staging folder of the reexport to `run`. */
export function stagingDir(out: string, run: string): string {
  return path.join(out, REEXPORT_DIR, run);
}

/** The staging folders of other runs: reexports with other settings that were interrupted (kept: a rerun of one finishes it). */
export async function otherStagings(out: string, run: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(out, REEXPORT_DIR), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.filter((e) => e.isDirectory() && e.name.startsWith("run-") && e.name !== run).map((e) => path.join(out, REEXPORT_DIR, e.name));
}

/** The pending switch of `out`, or undefined. */
export async function pendingSwitch(out: string): Promise<SwitchJournal | undefined> {
  const text = await fs.readFile(path.join(out, SWITCH_FILE), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const journal = JSON.parse(text) as Partial<SwitchJournal>;
  if (typeof journal.from !== "string" || typeof journal.to !== "string" || !Array.isArray(journal.old) || !Array.isArray(journal.new)) {
    throw new PermanentError(`${path.join(out, SWITCH_FILE)}: is not a reexport journal; it was not written by emingest`);
  }
  return journal as SwitchJournal;
}

/** For `emingest run`: a folder in the middle of a switch holds two runs; only the reexport may finish it. */
export async function refuseDuringSwitch(out: string, label: string): Promise<void> {
  const journal = await pendingSwitch(out);
  if (journal) {
    throw new PermanentError(
      `${label}: a reexport from run ${journal.from} to run ${journal.to} was interrupted while switching outputs; run \`emingest reexport ${label}\` to finish it first`,
    );
  }
}

/** The top-level output entries of a run folder (outside .emingest/). */
export async function outputEntries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => name !== STATE_DIR).sort();
}

/** Steps 1-6 from the top; `afterStep` is called after each write, rename and delete (fault injection). */
export async function switchIn(out: string, journal: SwitchJournal, afterStep: (what: string) => void, note: (line: string) => void): Promise<void> {
  if (!(await pendingSwitch(out))) {
    await atomicWrite(path.join(out, SWITCH_FILE), `${JSON.stringify(journal)}\n`, path.join(out, WRITES_DIR));
    afterStep("switch journal");
  }
  await finishSwitch(out, journal, afterStep, note);
}

/** Steps 2-6: what a rerun does with a journal it finds. */
export async function finishSwitch(out: string, journal: SwitchJournal, afterStep: (what: string) => void, note: (line: string) => void): Promise<void> {
  const stage = stagingDir(out, journal.to);
  const previous = path.join(out, PREVIOUS_DIR);
  await fs.mkdir(previous, { recursive: true });
  const isNew = new Set(journal.new);
  for (const name of journal.old) {
    // An entry both runs have is moved aside only while the new one is still in staging (once that is moved
    // in, <out>/<name> is the new run's).
    const waiting = !isNew.has(name) || existsSync(path.join(stage, name));
    if (waiting && existsSync(path.join(out, name)) && !existsSync(path.join(previous, name))) {
      await fs.rename(path.join(out, name), path.join(previous, name));
      afterStep(`switch: old ${name} moved aside`);
    }
  }
  for (const name of journal.new) {
    if (existsSync(path.join(stage, name)) && !existsSync(path.join(out, name))) {
      await fs.rename(path.join(stage, name), path.join(out, name));
      afterStep(`switch: new ${name} moved in`);
    }
  }
  const oldState = path.join(previous, path.basename(STATE_FILE));
  if (existsSync(path.join(stage, STATE_FILE))) {
    if (existsSync(path.join(out, STATE_FILE)) && !existsSync(oldState)) {
      await fs.rename(path.join(out, STATE_FILE), oldState);
      afterStep("switch: old state moved aside");
    }
    await fs.rename(path.join(stage, STATE_FILE), path.join(out, STATE_FILE));
    afterStep("switch: new state moved in");
  }
  await atomicWrite(path.join(out, CLAIM_FILE), `${JSON.stringify({ tool: "emingest", run: journal.to })}\n`, path.join(out, WRITES_DIR));
  afterStep("switch: claim names the new run");
  await deleteOldOutputs(previous, oldState, journal.from, afterStep, note);
  for (const file of [CLAIM_FILE]) {
    await fs.rm(path.join(stage, file), { force: true });
    afterStep(`switch: staging ${file} deleted`);
  }
  for (const dir of [path.join(stage, WRITES_DIR), path.join(stage, STATE_DIR), stage]) await removeEmptyDir(dir);
  await fs.rm(path.join(out, SWITCH_FILE), { force: true });
  afterStep("switch: journal deleted");
  await tidyReexportDir(out);
}

/** Removes .emingest/reexport/ once it is empty (a kill may have left it so after the journal's deletion). */
export async function tidyReexportDir(out: string): Promise<void> {
  await removeEmptyDir(path.join(out, REEXPORT_DIR));
}

/** Step 5: the old run's ledger keys under previous/, then its database; a foreign leftover is kept and named. */
async function deleteOldOutputs(previous: string, oldState: string, run: string, afterStep: (what: string) => void, note: (line: string) => void): Promise<void> {
  if (existsSync(oldState)) {
    const runs = new SqliteRunStore(oldState);
    let keys: string[];
    try {
      const record = await runs.getRun(run);
      const ledger = record && (await runLedger(runs, record));
      if (!ledger) throw new PermanentError(`${oldState}: holds no ledger of run ${run}, so its old outputs in ${previous} cannot be told apart; they are left there`);
      keys = ledger.map((e) => e.key);
    } finally {
      runs.close();
    }
    const store: ObjectStore = new FileStore(previous);
    for (const key of keys) {
      await store.delete(key);
      afterStep(`switch: old ${key} deleted`);
    }
    await fs.rm(oldState, { force: true });
    afterStep("switch: old state deleted");
  }
  const left = await fs.readdir(previous).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  if (left.length > 0) note(`${previous}: holds ${left.join(", ")}, which run ${run}'s ledger does not name; left as it is`);
  else await removeEmptyDir(previous);
}

/** Temporary file in `writes`, then a rename: the file is there whole or not at all. */
async function atomicWrite(file: string, text: string, writes: string): Promise<void> {
  await fs.mkdir(writes, { recursive: true });
  const temp = path.join(writes, tempName());
  await fs.writeFile(temp, text, { flag: "wx" });
  await fs.rename(temp, file);
}

/** rmdir: only a folder that holds nothing (or is gone already). */
async function removeEmptyDir(dir: string): Promise<void> {
  try {
    await fs.rmdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTEMPTY" || code === "EEXIST") return;
    throw error;
  }
}
