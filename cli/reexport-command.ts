// `emingest reexport <out> [settings]`: new outputs from a finished run's stored alignment, with no feature or
// match work. The new run is a real run (the id, manifest and state a fresh `emingest run` with these settings
// has), seeded with the finished run's transforms and pair outcomes (core/pipeline/reexport-seed.ts), run
// through the normal pipeline's plan, render, pyramid and finalize steps in a staging folder inside <out>,
// and switched in only once it is done (reexport-switch.ts). Before anything is written, the folder is
// checked: it holds a finished emingest run whose output is whole, nothing else outside .emingest/, slices
// unchanged since the run read them, and settings that change only the output (reexport-settings.ts).
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { codeVersion } from "../adapters/local/code-version.js";
import { afterWrite, FaultyFileStore, FaultyRunStore, newKillSwitch, type KillSwitchData } from "../adapters/local/fault-injection.js";
import { FileStore } from "../adapters/local/file-store.js";
import { LocalStageRunner } from "../adapters/local/local-stage-runner.js";
import { openLocalState, STATE_FILE } from "../adapters/local/local-state.js";
import { namingFailures } from "../adapters/local/named-failures.js";
import { checkOutputFolder, CLAIM_FILE, LOCK_FILE, STATE_DIR, WRITES_DIR } from "../adapters/local/output-claim.js";
import type { PipelineWorkerData } from "../adapters/local/pipeline-worker.js";
import { acquireRunLock } from "../adapters/local/run-lock.js";
import { SqliteRunStore } from "../adapters/local/sqlite-run-store.js";
import { openCv } from "../core/align/opencv.js";
import { PermanentError } from "../core/errors.js";
import { readManifest, readJson, type RunManifest } from "../core/pipeline/manifest.js";
import { describeDamage, findDamage, runLedger } from "../core/pipeline/output-ledger.js";
import { summaryFromReport } from "../core/pipeline/recorded-summary.js";
import { openSeededRun, readPlanSeed } from "../core/pipeline/reexport-seed.js";
import { reexportConfig, reexportManifest } from "../core/pipeline/reexport-settings.js";
import type { Transforms } from "../core/pipeline/plan.js";
import { runIngest, type IngestResult } from "../core/pipeline/sequence.js";
import { sliceVersionTags } from "../core/pipeline/source-versions.js";
import type { ProgressSink } from "../core/pipeline/stage-runner.js";
import type { RunRecord } from "../core/ports.js";
import type { Provenance } from "../core/report/provenance.js";
import type { RunSummary } from "../core/run-details.js";
import { CONFIG_FLAGS, configOverrides } from "./config-flags.js";
import type { FaultPlan } from "./fault-plan.js";
import { finishSwitch, outputEntries, pendingSwitch, otherStagings, stagingDir, switchIn, tidyReexportDir } from "./reexport-switch.js";
import { parseFlags, UsageError } from "./usage-error.js";

export interface ReexportCommand {
  command: "reexport";
  out: string;
  /** The slices folder; default: the one the finished run names as its source (its provenance). */
  slices?: string;
  overrides: Record<string, unknown>;
  workers?: number;
  json: boolean;
}

export const REEXPORT_USAGE = `  emingest reexport <out-dir> [--slices DIR] [--clahe X] [--jpeg-quality Q] [--raw] [--raw-encoding E] [--zarr]
                   [--xy-origin O] [--workers N] [--json]
                                                 new outputs from a finished run's stored alignment, switched in
                                                 when complete (alignment and input settings cannot change)`;

export function parseReexport(args: readonly string[]): ReexportCommand {
  const { values, positionals } = parseFlags(args, { ...CONFIG_FLAGS, slices: { type: "string" }, workers: { type: "string" }, json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("reexport takes one output folder");
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 256)) {
    throw new UsageError(`--workers must be between 1 and 256, got "${values.workers}"`);
  }
  return { command: "reexport", out: positionals[0], slices: values.slices, overrides: configOverrides(values), workers, json: values.json ?? false };
}

export interface ReexportResult {
  /** The run the folder held, and the one it holds now. */
  from: string;
  run: string;
  summary: RunSummary;
  /** Tasks executed, per stage. */
  executed: Record<string, number>;
}

export async function reexportCommand(cmd: ReexportCommand, progress: ProgressSink, faults?: FaultPlan): Promise<ReexportResult> {
  const out = path.resolve(cmd.out);
  if (!existsSync(out)) throw new PermanentError(`${cmd.out}: does not exist`);
  if (!existsSync(path.join(out, CLAIM_FILE)) || (await checkOutputFolder(out, cmd.out)) === "new") {
    throw new PermanentError(`${cmd.out}: holds no emingest run to reexport`);
  }
  openCv();
  const kill = faults ? newKillSwitch(faults.killAfter) : undefined;
  const runKill = faults?.scope === "switch" ? undefined : kill;
  const afterStep = (what: string): void => {
    if (kill) afterWrite(kill, what);
  };
  // The folder's own lock for the whole reexport: no `emingest run` writes it meanwhile.
  const lock = await acquireRunLock(path.join(out, LOCK_FILE), cmd.out);
  try {
    const pending = await pendingSwitch(out);
    if (pending) {
      progress.message(`finishing the switch from run ${pending.from} to run ${pending.to} that an earlier reexport began`);
      await finishSwitch(out, pending, afterStep, (line) => progress.message(line));
    }
    await tidyReexportDir(out);
    const finished = await finishedRun(out, cmd.out);
    let staged: { summary: RunSummary; executed: Record<string, number> };
    let stage: string;
    let manifest: RunManifest;
    try {
      manifest = reexportManifest(finished.manifest, reexportConfig(finished.manifest.config, cmd.overrides, "command line"));
      if (manifest.run === finished.record.run) {
        if (!finished.record.details.summary) throw new PermanentError(`run ${manifest.run} is done but recorded no summary`);
        progress.message(`run ${manifest.run} in ${cmd.out} already has these settings; nothing to do`);
        return { from: finished.record.run, run: manifest.run, summary: await summaryFromReport(new FileStore(out)), executed: {} };
      }
      const outStore = new FileStore(out);
      const seed = await readPlanSeed(outStore, finished.manifest);
      const sourceName = cmd.slices?.replace(/\/+$/, "") ?? (await recordedSource(outStore));
      const source = new FileStore(path.resolve(sourceName));
      await checkSlices(source, sourceName, finished.manifest, finished.record);
      stage = stagingDir(out, manifest.run);
      for (const other of await otherStagings(out, manifest.run)) {
        progress.message(`note: ${path.relative(process.cwd(), other) || other} holds an interrupted reexport with other settings; it is kept (rerun that reexport to finish it, or delete the folder to free its space)`);
      }
      progress.message(`reexporting run ${finished.record.run} as run ${manifest.run} (staging in ${path.relative(process.cwd(), stage) || stage})`);
      staged = await runStaged({ stage, label: cmd.out, manifest, sourceName, source, workers: cmd.workers, kill: runKill, progress }, finished, seed);
    } finally {
      // Closed before the switch moves its database aside.
      finished.runs.close();
    }
    await switchIn(
      out,
      { from: finished.record.run, to: manifest.run, old: await outputEntries(out), new: await outputEntries(stage) },
      afterStep,
      (line) => progress.message(line),
    );
    return { from: finished.record.run, run: manifest.run, summary: staged.summary, executed: staged.executed };
  } finally {
    await lock.release();
  }
}

interface FinishedRun {
  record: RunRecord;
  manifest: RunManifest;
  runs: SqliteRunStore;
}

/** The run the folder holds: done, its ledger whole, and nothing outside .emingest/ that the ledger does not name. */
async function finishedRun(out: string, label: string): Promise<FinishedRun> {
  const manifest = await readManifest(new FileStore(out));
  await checkOutputFolder(out, label, manifest.run);
  if (!existsSync(path.join(out, STATE_FILE))) throw new PermanentError(`${label}: holds no ${STATE_FILE}; finish the run with \`emingest run\` first`);
  const runs = new SqliteRunStore(path.join(out, STATE_FILE));
  try {
    const record = await runs.getRun(manifest.run);
    if (!record) throw new PermanentError(`${label}: ${STATE_FILE} holds no record of run ${manifest.run}; finish it with \`emingest run\` first`);
    if (record.status !== "done") {
      throw new PermanentError(`${label}: run ${manifest.run} is not finished (${record.status}); finish it with \`emingest run\` before reexporting it`);
    }
    const ledger = await runLedger(runs, record);
    if (!ledger) throw new PermanentError(`${label}: run ${manifest.run} recorded no list of its outputs; rerun \`emingest run\` over it first`);
    const damage = await findDamage(new FileStore(out), ledger);
    if (damage.length > 0) {
      throw new PermanentError(`${label}: the output of run ${manifest.run} is damaged (${describeDamage(damage[0])}); rerun \`emingest run\` over it to repair it first`);
    }
    const named = new Set(ledger.map((e) => e.key));
    const foreign = (await filesOutsideState(out)).filter((f) => !named.has(f));
    if (foreign.length > 0) {
      const more = foreign.length > 3 ? ` and ${foreign.length - 3} more` : "";
      throw new PermanentError(
        `${label}: holds ${foreign.slice(0, 3).join(", ")}${more}, which run ${manifest.run} did not write; a reexport replaces the folder's outputs, so move ${foreign.length === 1 ? "it" : "them"} out first`,
      );
    }
    return { record, manifest, runs };
  } catch (error) {
    runs.close();
    throw error;
  }
}

/** Every entry below `dir` outside .emingest/ that is not a folder (files, links, anything else), relative. */
async function filesOutsideState(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && entry.name === STATE_DIR) continue;
      if (entry.isDirectory()) await walk(key);
      else found.push(entry.isFile() ? key : `${key} (not a regular file)`);
    }
  };
  await walk("");
  return found.sort();
}

/** The source the finished run's provenance names (the slices folder as it was given to `emingest run`). */
async function recordedSource(out: FileStore): Promise<string> {
  const provenance = await readJson<Provenance>(out, "ng/jpeg/provenance", "the finished run wrote no provenance naming its slices; give --slices DIR");
  const source = provenance.sources[0];
  if (typeof source !== "string") throw new PermanentError(`ng/jpeg/provenance: names no source; give --slices DIR`);
  return source;
}

/** Every slice as the finished run read it: its version tag unchanged (source-versions.ts). */
async function checkSlices(source: FileStore, sourceName: string, manifest: RunManifest, record: RunRecord): Promise<void> {
  if (!existsSync(path.resolve(sourceName))) {
    throw new PermanentError(`${sourceName}: no such folder (the slices of run ${manifest.run}); give --slices DIR`);
  }
  const current = await sliceVersionTags({ source }, manifest);
  const stored = record.details.sliceVersions ?? [];
  const changed = manifest.slices.filter((_, i) => stored[i] !== current[i]);
  if (changed.length > 0) {
    throw new PermanentError(
      `${sourceName}/${changed[0].key}${changed.length > 1 ? ` and ${changed.length - 1} more` : ""}: changed since run ${manifest.run} was aligned from ${changed.length > 1 ? "them" : "it"}; the stored alignment is not theirs: run \`emingest run\` into a new folder`,
    );
  }
}

interface Staged {
  stage: string;
  label: string;
  manifest: RunManifest;
  sourceName: string;
  source: FileStore;
  workers?: number;
  kill?: KillSwitchData;
  progress: ProgressSink;
}

/** The new run in its staging folder, as `emingest run` runs one, seeded; resumes a staging a kill left. */
async function runStaged(s: Staged, finished: FinishedRun, seed: Transforms): Promise<IngestResult> {
  const onWrite = s.kill ? (what: string) => afterWrite(s.kill as KillSwitchData, what) : undefined;
  const state = await openLocalState(s.stage, `${s.label} (staging)`, s.manifest.run, onWrite);
  const runs = s.kill ? new FaultyRunStore(state.runs, s.kill) : state.runs;
  const tempDir = path.join(s.stage, WRITES_DIR);
  const sourceDir = path.resolve(s.sourceName);
  const workerData: PipelineWorkerData = { sourceDir, outDir: s.stage, outTempDir: tempDir, sourceName: s.sourceName, faults: s.kill };
  const runner = new LocalStageRunner({ runs, progress: s.progress, workers: s.workers, taskTimeoutMs: 1800 * 1000, workerData });
  try {
    const outStore = s.kill ? new FaultyFileStore(s.stage, { tempDir }, s.kill) : new FileStore(s.stage, { tempDir });
    await outStore.removeAbandonedWrites();
    const deps = { source: namingFailures(s.source, sourceDir), out: namingFailures(outStore, s.stage), sourceName: s.sourceName, runs, codeVersion: codeVersion() };
    // A new run record starts with the finished run's slice versions (checked above) and its pair outcomes.
    await openSeededRun(deps, s.manifest, finished, () => new Date());
    return await runIngest(deps, { config: s.manifest.config, manifest: s.manifest, runner, progress: s.progress, seed });
  } finally {
    await runner.close();
    await state.close();
  }
}
