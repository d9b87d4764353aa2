// Which output folder a local run may write: an empty one (or a missing one), or one that holds this same run.
// The claim is <out>/.emingest/run.json, written once (under the run lock) before anything else of the run,
// so a folder that holds no claim holds nothing of ours, and a folder that holds another run's claim is not
// ours to write. Nothing here deletes anything; a folder we refuse is left exactly as it was.
import { promises as fs, type Dirent } from "node:fs";
import path from "node:path";
import { PermanentError } from "../../core/errors.js";
import { isTempName, tempName } from "./file-store.js";

export const STATE_DIR = ".emingest";
export const CLAIM_FILE = path.join(STATE_DIR, "run.json");
export const LOCK_FILE = path.join(STATE_DIR, "lock");
/** The folder of FileStore's temporary files for the run's output (see file-store.ts). */
export const WRITES_DIR = path.join(STATE_DIR, "writes");

interface Claim {
  tool: "emingest";
  run: string;
}

/**
 * Read-only: refuses (PermanentError naming what is there) unless `dir` is missing, empty, holds only an
 * interrupted claim (a kill between taking the run lock and writing run.json), or is claimed by `run` (by
 * any run when `run` is undefined: the check before the run id is known).
 */
export async function checkOutputFolder(dir: string, label: string, run?: string): Promise<"new" | "resume"> {
  const entries = await readdirOrMissing(dir, label);
  if (entries === undefined || entries.length === 0) return "new";
  const claimed = await readClaim(dir, label);
  if (claimed === undefined) {
    // A state folder with only a (stale) lock and our temporary files: what a kill before the claim leaves.
    const others = (await holdsOnlyOurLeftovers(dir, entries)) ? entries.filter((e) => e.name !== STATE_DIR) : entries;
    if (others.length === 0) return "new";
    throw new PermanentError(`${label}: the output folder is not empty and holds no emingest run (it holds ${describe(others)}); choose an empty or new folder`);
  }
  if (run !== undefined && claimed !== run) {
    throw new PermanentError(
      `${label}: the output folder holds emingest run ${claimed}, made from other slices or settings than run ${run}; choose another folder`,
    );
  }
  return "resume";
}

/**
 * Under the run lock: checks again (another process may have claimed the folder since), then writes the
 * claim atomically (temporary file + rename) unless it is already there.
 */
export async function claimOutputFolder(dir: string, label: string, run: string): Promise<void> {
  if ((await checkOutputFolder(dir, label, run)) === "resume") return;
  const temp = path.join(dir, WRITES_DIR, tempName());
  await fs.mkdir(path.dirname(temp), { recursive: true });
  const claim: Claim = { tool: "emingest", run };
  await fs.writeFile(temp, `${JSON.stringify(claim)}\n`, { flag: "wx" });
  await fs.rename(temp, path.join(dir, CLAIM_FILE));
}

async function readdirOrMissing(dir: string, label: string): Promise<Dirent[] | undefined> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw new PermanentError(`${label}: is a file, not a folder; choose a folder for the output`);
    throw error;
  }
}

/** The run id in the folder's claim, or undefined when there is none. */
async function readClaim(dir: string, label: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, CLAIM_FILE), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
  let claim: Partial<Claim> | undefined;
  try {
    claim = JSON.parse(text) as Partial<Claim>;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  if (claim?.tool !== "emingest" || typeof claim.run !== "string") {
    throw new PermanentError(`${label}: ${CLAIM_FILE} is not an emingest run record; choose an empty or new folder`);
  }
  return claim.run;
}

/** Whether the folder's .emingest/ holds at most a lock and our own temporary files (no claim, no state). */
async function holdsOnlyOurLeftovers(dir: string, entries: readonly Dirent[]): Promise<boolean> {
  const state = entries.find((e) => e.name === STATE_DIR);
  if (!state?.isDirectory()) return false;
  for (const entry of await fs.readdir(path.join(dir, STATE_DIR), { withFileTypes: true })) {
    if (entry.name === path.basename(LOCK_FILE) && entry.isFile()) continue;
    if (entry.name !== path.basename(WRITES_DIR) || !entry.isDirectory()) return false;
    const writes = await fs.readdir(path.join(dir, WRITES_DIR), { withFileTypes: true });
    if (!writes.every((w) => w.isFile() && isTempName(w.name))) return false;
  }
  return true;
}

/** "a, b/, c and 4 more": what a refused folder holds, folders marked with a slash. */
function describe(entries: readonly Dirent[]): string {
  const shown = entries.slice(0, 3).map((e) => JSON.stringify(e.name).slice(1, -1) + (e.isDirectory() ? "/" : ""));
  const more = entries.length > 3 ? ` and ${entries.length - 3} more` : "";
  return shown.join(", ") + more;
}
