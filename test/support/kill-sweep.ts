// The loop of the kill-point tests (test/hostile/kill-points.test.ts, test/reexport/kill-points.test.ts):
// the real CLI run with EMINGEST_FAULT_KILL_AFTER=<scope>k for k = 1, 1 + step, ... on a few lanes at once,
// until a run with that k finishes unkilled (it has fewer writes than k, so no later k is a kill point);
// each killed run is then handed to `resume`, which reruns it and says what is wrong, if anything.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { CliResult } from "./cli.js";

export const FAULT_ENV = "EMINGEST_FAULT_KILL_AFTER";

export interface KillSweep {
  /** Distance between the kill points tried (1: every write). */
  step: number;
  /** Kill points in flight at once (each is a killed run, then its rerun). */
  lanes: number;
  /** Runs the command once with the fault at `k` (FAULT_ENV set to `fault`) into its own folder. */
  kill: (k: number, fault: string) => Promise<CliResult>;
  /** After the kill at `k` (the write's label `what`): reruns it; a problem's text, or undefined if it resumed. */
  resume: (k: number, what: string) => Promise<string | undefined>;
  /** Called when the run with the fault at `k` finished unkilled. */
  finished?: (k: number) => void;
  /** Put before k in FAULT_ENV ("switch:" for the reexport's switch); "" by default. */
  scope?: string;
}

export interface SweepResult {
  /** The label of the write each k killed after, by k (holes where a k failed). */
  killedAfter: string[];
  /** The first k that finished unkilled. */
  limit: number;
  failures: string[];
}

/** Every kill point of the sweep, killed and resumed. */
export async function sweepKillPoints(sweep: KillSweep): Promise<SweepResult> {
  const killedAfter: string[] = [];
  const failures: string[] = [];
  let limit = Number.POSITIVE_INFINITY;
  let next = 1;
  const label = sweep.scope ? `${sweep.scope} ` : "";
  const lane = async (): Promise<void> => {
    while (next < limit) {
      const k = next;
      next += sweep.step;
      const first = await sweep.kill(k, `${sweep.scope ?? ""}${k}`);
      if (first.code === 0) {
        limit = Math.min(limit, k);
        sweep.finished?.(k);
        continue;
      }
      const what = /fault injection: killed after write (\d+) \((.*)\)/.exec(first.stderr);
      if (first.signal !== "SIGKILL" || !what || Number(what[1]) !== k) {
        failures.push(`${label}k=${k}: not killed at write ${k} (exit ${first.code}, ${first.signal}):\n${first.stderr}`);
        continue;
      }
      killedAfter[k] = what[2];
      const problem = await sweep.resume(k, what[2]);
      if (problem) failures.push(`${label}killed after write ${k} (${what[2]}): ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: sweep.lanes }, lane));
  return { killedAfter, limit, failures };
}

/** What a resumed run left that a finished run must not: temporary files of its writes, or its lock. */
export function leftBehind(out: string): string | undefined {
  const writes = path.join(out, ".emingest", "writes");
  if (existsSync(writes) && readdirSync(writes).length > 0) return "temporary files were left in .emingest/writes";
  if (existsSync(path.join(out, ".emingest", "lock"))) return "the run lock was left behind";
  return undefined;
}
