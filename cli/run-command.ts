// `emingest run`: the whole pipeline on this machine, with the local adapters. Before anything is written,
// the folders are checked: the output is not /, the home folder, the slices folder or around or inside it
// (symbolic links resolved), and it is empty or holds this same run (adapters/local/output-claim.ts).
import { existsSync, promises as fs, realpathSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { codeVersion } from "../adapters/local/code-version.js";
import { afterWrite, FaultyFileStore, FaultyRunStore, newKillSwitch } from "../adapters/local/fault-injection.js";
import { FileStore, openRegular } from "../adapters/local/file-store.js";
import { namingFailures } from "../adapters/local/named-failures.js";
import { LocalStageRunner } from "../adapters/local/local-stage-runner.js";
import type { PipelineWorkerData } from "../adapters/local/pipeline-worker.js";
import { openLocalState } from "../adapters/local/local-state.js";
import { checkOutputFolder, WRITES_DIR } from "../adapters/local/output-claim.js";
import { openCv } from "../core/align/opencv.js";
import { CONFIG_FILE, parseIngestConfig } from "../core/config.js";
import { PermanentError } from "../core/errors.js";
import { enumerateSlices } from "../core/pipeline/enumerate.js";
import { runIngest, type IngestResult } from "../core/pipeline/sequence.js";
import type { ProgressSink } from "../core/pipeline/stage-runner.js";
import type { FaultPlan } from "./fault-plan.js";
import type { RunCommand } from "./options.js";
import { refuseDuringSwitch } from "./reexport-switch.js";

export async function runCommand(cmd: RunCommand, progress: ProgressSink, faults?: FaultPlan): Promise<IngestResult> {
  const slices = path.resolve(cmd.slices);
  const out = path.resolve(cmd.out);
  await checkFolders(cmd.slices, slices, cmd.out, out);
  // A folder that is not empty and holds no run is refused before the slices are even read.
  await checkOutputFolder(out, cmd.out);
  await refuseDuringSwitch(out, cmd.out);
  // Every run renders through the addon: a missing build is reported before anything starts.
  openCv();
  const { raw, where } = await loadConfig(cmd, slices);
  const config = parseIngestConfig(raw, where);
  const sourceName = cmd.slices.replace(/\/+$/, "");
  const source = new FileStore(slices);
  const manifest = await enumerateSlices(source, config, sourceName);
  await checkOutputFolder(out, cmd.out, manifest.run);

  // From here on the folder is ours: the first write is the run lock.
  const kill = faults ? newKillSwitch(faults.killAfter) : undefined;
  const state = await openLocalState(out, cmd.out, manifest.run, kill ? (what) => afterWrite(kill, what) : undefined);
  const runs = kill ? new FaultyRunStore(state.runs, kill) : state.runs;
  const tempDir = path.join(out, WRITES_DIR);
  const workerData: PipelineWorkerData = { sourceDir: slices, outDir: out, outTempDir: tempDir, sourceName, faults: kill };
  const runner = new LocalStageRunner({ runs, progress, workers: cmd.workers, taskTimeoutMs: cmd.taskTimeoutS * 1000, workerData });
  try {
    const outStore = kill ? new FaultyFileStore(out, { tempDir }, kill) : new FileStore(out, { tempDir });
    await outStore.removeAbandonedWrites();
    return await runIngest(
      { source: namingFailures(source, slices), out: namingFailures(outStore, out), sourceName, runs, codeVersion: codeVersion() },
      { config, manifest, runner, progress, keepTmp: cmd.keepTmp },
    );
  } finally {
    await runner.close();
    await state.close();
  }
}

async function checkFolders(slicesArg: string, slices: string, outArg: string, out: string): Promise<void> {
  const stat = await fs.stat(slices).catch(() => undefined);
  if (!stat) throw new PermanentError(`${slicesArg}: no such folder`);
  if (!stat.isDirectory()) throw new PermanentError(`${slicesArg}: is not a folder`);
  const realSlices = realpathSync(slices);
  const realOut = await resolveThroughLinks(outArg, out);
  if (realOut === path.parse(realOut).root) {
    throw new PermanentError(`${outArg}: is the root folder; choose a new folder for the output`);
  }
  const home = existsSync(homedir()) ? realpathSync(homedir()) : undefined;
  if (realOut === home) throw new PermanentError(`${outArg}: is your home folder; choose a new folder for the output`);
  if (isWithin(realOut, realSlices)) {
    throw new PermanentError(`${outArg}: the output folder is inside the slices folder ${slicesArg}; choose a folder outside it`);
  }
  if (isWithin(realSlices, realOut)) {
    throw new PermanentError(`${outArg}: the output folder contains the slices folder ${slicesArg}; choose a folder beside it`);
  }
}

/** `inner` is `outer` or below it (both real, absolute paths). */
function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
}

/** The real path `out` names, or would name once created: its nearest existing ancestor resolved, the rest appended. */
async function resolveThroughLinks(outArg: string, out: string): Promise<string> {
  const missing: string[] = [];
  for (let dir = out; ; dir = path.dirname(dir)) {
    const link = await fs.lstat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (link) {
      if (link.isSymbolicLink() && !existsSync(dir)) {
        throw new PermanentError(`${outArg}: ${dir === out ? "is" : `${dir} is`} a symbolic link to a missing folder`);
      }
      return path.join(realpathSync(dir), ...missing);
    }
    if (dir === path.dirname(dir)) return out;
    missing.unshift(path.basename(dir));
  }
}

async function loadConfig(cmd: RunCommand, slices: string): Promise<{ raw: Record<string, unknown>; where: string }> {
  const file = cmd.configFile ?? path.join(slices, CONFIG_FILE);
  let base: Record<string, unknown> = {};
  if (cmd.configFile !== undefined || existsSync(file)) {
    // Through openRegular, as the slices are read: a FIFO or device named ingest.json is refused by name
    // instead of blocking; any other condition (EACCES...) is the machine's, named by cli/failure.ts.
    const handle = await openRegular(file);
    if (!handle) throw new PermanentError(`${file}: no such file`);
    const text = await handle.readFile("utf8").finally(() => handle.close());
    try {
      base = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new PermanentError(`${file}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof base !== "object" || base === null || Array.isArray(base)) throw new PermanentError(`${file}: must be a JSON object`);
  }
  const fromFile = cmd.configFile !== undefined || existsSync(file);
  const where = fromFile ? `${path.relative(process.cwd(), file) || file} + command line` : "command line";
  const raw: Record<string, unknown> = { ...base, ...cmd.overrides };
  // Flags that set "align" fields add to the file's "align" object instead of replacing it.
  if (isObject(base.align) && isObject(cmd.overrides.align)) raw.align = { ...base.align, ...cmd.overrides.align };
  return { raw, where };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
