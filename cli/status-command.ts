// `emingest status <run> [--watch]`: a deployed run's progress read from Firestore: status, one bar per
// stage with rate and ETA (from two successive reads), failed tasks and dead letters.
import type { GcpConfig } from "../adapters/gcp/clients.js";
import type { FirestoreRunStore } from "../adapters/gcp/firestore-run-store.js";
import type { RunRecord, TaskRecord } from "../core/ports.js";
import type { RunDetails } from "../core/run-details.js";
import { STAGES } from "../core/pipeline/stages.js";
import { firestoreRunsAt } from "./cloud-store.js";
import { parseFlags, UsageError } from "./usage-error.js";

export interface StatusCommand {
  command: "status";
  run: string;
  watch: boolean;
  /** Seconds between reads with --watch. */
  interval: number;
  collection: string;
  json: boolean;
}

export const STATUS_USAGE = `  emingest status <run> [--watch] [--interval S] [--json]
                                                 a deployed run's progress, from Firestore
                                                 (GOOGLE_CLOUD_PROJECT; FIRESTORE_EMULATOR_HOST for the emulator)`;

export function parseStatus(args: readonly string[]): StatusCommand {
  const parsed = parseFlags(args, { watch: { type: "boolean" }, interval: { type: "string" }, collection: { type: "string" }, json: { type: "boolean" } });
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError("status takes one run id");
  const interval = values.interval === undefined ? 5 : Number(values.interval);
  if (!Number.isFinite(interval) || interval <= 0 || interval > 3600) throw new UsageError(`--interval must be a positive number of seconds, at most 3600, got "${values.interval}"`);
  return { command: "status", run: positionals[0], watch: values.watch ?? false, interval, collection: values.collection ?? "runs", json: values.json ?? false };
}

export interface StageCounts {
  stage: string;
  total: number;
  done: number;
  failed: number;
}

/** The run record as shown: its per-slice version tags counted, not listed. */
export type ShownRun = Omit<RunRecord, "details"> & { details: Omit<RunDetails, "sliceVersions"> & { sliceVersionsRecorded?: number } };

export interface StatusSnapshot {
  at: number;
  run: ShownRun;
  stages: StageCounts[];
  failed: TaskRecord[];
  /** How many of `failed` were dead-lettered (retries exhausted) rather than failed for good. */
  deadLettered?: number;
}

function isDeadLetter(t: TaskRecord): boolean {
  return t.error?.startsWith("dead-lettered") ?? false;
}

export async function readStatus(store: FirestoreRunStore, run: string, now = Date.now()): Promise<StatusSnapshot | undefined> {
  const record = await store.getRun(run);
  if (!record) return undefined;
  // The ingestion stages in pipeline order, then any other stage the run counts (a fiji batch's "fiji").
  const known: readonly string[] = STAGES;
  const names = [...STAGES.filter((s) => record.totals[s] !== undefined), ...Object.keys(record.totals).filter((s) => !known.includes(s)).sort()];
  const stages = await Promise.all(
    names.map(async (stage) => ({ stage, total: record.totals[stage], ...(await store.countTasks(run, stage)) })),
  );
  const failed = await store.listFailed(run, 20);
  // One version tag per slice is bookkeeping for resuming (core/pipeline/source-versions.ts), not status:
  // thousands of lines in --json. Shown as a count.
  const { sliceVersions, ...details } = record.details;
  const shown: ShownRun = { ...record, details: Array.isArray(sliceVersions) ? { ...details, sliceVersionsRecorded: sliceVersions.length } : details };
  return { at: now, run: shown, stages, failed, deadLettered: failed.filter(isDeadLetter).length };
}

/** Pure: the text of one snapshot; with the previous one, rates and ETAs. */
export function formatStatus(s: StatusSnapshot, previous?: StatusSnapshot): string {
  const lines = [`run ${s.run.run}: ${s.run.status}  (updated ${s.run.updatedAt})`];
  for (const c of s.stages) {
    const settled = c.done + c.failed;
    const width = 24;
    const filled = c.total === 0 ? width : Math.round((settled / c.total) * width);
    let rate = "";
    const before = previous?.stages.find((p) => p.stage === c.stage);
    if (before && previous && s.at > previous.at) {
      const perSecond = (settled - before.done - before.failed) / ((s.at - previous.at) / 1000);
      const left = c.total - settled;
      const eta = perSecond > 0 ? clock(left / perSecond) : left === 0 ? "0:00" : "--:--";
      rate = `  ${perSecond.toFixed(1)}/s  ETA ${eta}`;
    }
    const failed = c.failed ? `  ${c.failed} failed` : "";
    lines.push(`  ${c.stage.padEnd(9)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${settled}/${c.total}${rate}${failed}`);
  }
  const error = s.run.details.error;
  if (typeof error === "string") lines.push(`error: ${error}`);
  const dead = s.failed.filter(isDeadLetter);
  if (s.failed.length > 0) {
    lines.push(`failed tasks (${s.failed.length}${s.failed.length >= 20 ? "+" : ""}, ${dead.length} dead-lettered):`);
    for (const t of s.failed) lines.push(`  ${t.id}: ${t.error ?? "unknown error"}`);
  }
  return lines.join("\n");
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

export interface StatusIo {
  write(text: string): void;
  isTTY?: boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** Returns the exit code: 0 done (or still running without --watch), 1 failed or unknown run. */
export async function statusCommand(cmd: StatusCommand, gcp: GcpConfig, io: StatusIo): Promise<number> {
  const { runs: store, close } = await firestoreRunsAt(gcp, cmd.collection);
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    let previous: StatusSnapshot | undefined;
    for (;;) {
      const snap = await readStatus(store, cmd.run);
      if (!snap) {
        io.write(`emingest: run ${cmd.run} not found in Firestore collection "${cmd.collection}"\n`);
        return 1;
      }
      const text = cmd.json ? JSON.stringify(snap, null, 1) : formatStatus(snap, previous);
      io.write(cmd.watch && io.isTTY ? `\x1b[H\x1b[2J${text}\n` : `${text}\n`);
      const finished = snap.run.status === "done" || snap.run.status === "failed";
      if (!cmd.watch || finished) return snap.run.status === "failed" ? 1 : 0;
      previous = snap;
      await sleep(cmd.interval * 1000);
    }
  } finally {
    await close();
  }
}
