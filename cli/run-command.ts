// `emingest run`: the whole pipeline on this machine, with the local adapters.
import { existsSync, promises as fs, realpathSync } from "node:fs";
import path from "node:path";
import { FileStore } from "../adapters/local/file-store.js";
import { namingFailures } from "../adapters/local/named-failures.js";
import { LocalStageRunner } from "../adapters/local/local-stage-runner.js";
import type { PipelineWorkerData } from "../adapters/local/pipeline-worker.js";
import { openLocalState } from "../adapters/local/local-state.js";
import { openCv } from "../core/align/opencv.js";
import { parseIngestConfig } from "../core/config.js";
import { PermanentError } from "../core/errors.js";
import { runIngest, type IngestResult } from "../core/pipeline/sequence.js";
import type { ProgressSink } from "../core/pipeline/stage-runner.js";
import type { RunCommand } from "./options.js";


export async function runCommand(cmd: RunCommand, progress: ProgressSink): Promise<IngestResult> {
  const slices = path.resolve(cmd.slices);
  const out = path.resolve(cmd.out);
  await checkFolders(cmd.slices, slices, cmd.out, out);
  // Every run renders through the addon: a missing build is reported before anything starts.
  openCv();
  const { raw, where } = await loadConfig(cmd, slices);
  const config = parseIngestConfig(raw, where);
  const state = await openLocalState(out, cmd.out);
  const runs = state.runs;
  const sourceName = cmd.slices.replace(/\/+$/, "");
  const workerData: PipelineWorkerData = { sourceDir: slices, outDir: out, sourceName };
  const runner = new LocalStageRunner({ runs, progress, workers: cmd.workers, taskTimeoutMs: cmd.taskTimeoutS * 1000, workerData });
  try {
    const outStore = new FileStore(out);
    await outStore.removeAbandonedWrites();
    return await runIngest(
      { source: namingFailures(new FileStore(slices), slices), out: namingFailures(outStore, out), sourceName, runs },
      { config, runner, progress, keepTmp: cmd.keepTmp },
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
  const realOut = existsSync(out) ? realpathSync(out) : out;
  if (realOut === realSlices || realOut.startsWith(realSlices + path.sep)) {
    throw new PermanentError(`${outArg}: the output folder is inside the slices folder ${slicesArg}; choose a folder outside it`);
  }
  if (realSlices.startsWith(realOut + path.sep)) {
    throw new PermanentError(`${outArg}: the output folder contains the slices folder ${slicesArg}; choose a folder beside it`);
  }
}

async function loadConfig(cmd: RunCommand, slices: string): Promise<{ raw: Record<string, unknown>; where: string }> {
  const file = cmd.configFile ?? path.join(slices, "ingest.json");
  let base: Record<string, unknown> = {};
  if (cmd.configFile !== undefined || existsSync(file)) {
    const text = await fs.readFile(file, "utf8").catch(() => {
      throw new PermanentError(`${file}: cannot be read`);
    });
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
