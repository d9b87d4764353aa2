// `emingest plan --calibrate`: a small local run on this machine (a generated sample stack, the real
// pipeline in this process), measuring the process's CPU time (every worker thread included) between the
// stage boundaries the pipeline reports, divided by each stage's units of work (core/cost/stack-work.ts).
// What lies outside the stages (enumerate, plan, finalize) is the barriers' share; what the process spent
// before the run started is the start-up.
import { promises as fs } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import type { Calibration } from "../core/cost/calibration.js";
import { stackWork } from "../core/cost/stack-work.js";
import type { RunManifest } from "../core/pipeline/manifest.js";
import type { ProgressSink } from "../core/pipeline/stage-runner.js";
import type { FanOutStage } from "../core/pipeline/stages.js";
import { runCommand } from "./run-command.js";
import { sampleCommand } from "./sample-command.js";

export interface CalibrationStack {
  count: number;
  size: number;
  workers?: number;
}

export const CALIBRATION_STACK: CalibrationStack = { count: 16, size: 1024 };

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Measured {
  work: ReturnType<typeof stackWork>;
  /** CPU-seconds inside each fan-out stage, and in the whole run. */
  stages: Partial<Record<FanOutStage, number>>;
  total: number;
}

/** One local run of the first `count` slices of the folder, its CPU split by stage. */
async function measure(slices: string, out: string, count: number, workers: number | undefined): Promise<Measured> {
  const stages: Partial<Record<FanOutStage, number>> = {};
  let started = 0;
  const progress: ProgressSink = {
    stageStarted: () => void (started = cpuSeconds()),
    stageFinished: (stage) => void (stages[stage as FanOutStage] = cpuSeconds() - started),
    taskSettled: () => undefined,
    message: () => undefined,
  };
  const before = cpuSeconds();
  await runCommand({ command: "run", slices, out, overrides: { maxz: count - 1 }, workers, taskTimeoutS: 1800, keepTmp: false, json: false }, progress);
  const total = cpuSeconds() - before;
  const manifest = JSON.parse(await fs.readFile(path.join(out, "report", "manifest.json"), "utf8")) as RunManifest;
  return { work: stackWork(manifest), stages, total };
}

/**
 * Two runs, of half the stack and of all of it: per stage, the difference in CPU over the difference in
 * units is the rate, and what the half run spent beyond rate x units is fixed (the worker threads starting,
 * the addon loading): start-up, paid once per local run, not per unit.
 */
export async function calibrate(stack: CalibrationStack, now: () => Date = () => new Date()): Promise<Calibration> {
  const processStart = cpuSeconds();
  const dir = await fs.mkdtemp(path.join(tmpdir(), "emingest-calibrate-"));
  try {
    const slices = path.join(dir, "slices");
    await sampleCommand({ command: "sample", dir: slices, count: stack.count, width: stack.size, height: stack.size, seed: 1 });
    await fs.rm(path.join(slices, "ground-truth.json"));
    const half = await measure(slices, path.join(dir, "half"), Math.max(2, Math.floor(stack.count / 2)), stack.workers);
    const full = await measure(slices, path.join(dir, "full"), stack.count, stack.workers);
    const stageCpu = { features: 0, align: 0, bridge: 0, render: 0, pyramid: 0 } as Record<FanOutStage, number>;
    let fixed = 0;
    for (const s of full.work.stages) {
      const h = half.work.stages.find((x) => x.stage === s.stage);
      const du = s.units - (h?.units ?? 0);
      const dc = (full.stages[s.stage] ?? 0) - (half.stages[s.stage] ?? 0);
      // A difference lost in the machine's noise (the two runs' fixed costs dominate) falls back to the
      // full run's average: an upper bound, fixed costs included.
      const average = s.units > 0 ? (full.stages[s.stage] ?? 0) / s.units : 0;
      stageCpu[s.stage] = du > 0 && dc > 0 ? dc / du : average;
      fixed += Math.max(0, (half.stages[s.stage] ?? 0) - stageCpu[s.stage] * (h?.units ?? 0));
    }
    // No bridge pairs in a sample stack: they cost what an adjacent pair costs.
    stageCpu.bridge = stageCpu.align;
    const barrier = (m: Measured) => m.total - Object.values(m.stages).reduce((a, b) => a + b, 0);
    const dn = full.work.slices - half.work.slices;
    const barrierCpuPerSlice = barrier(full) > barrier(half) ? (barrier(full) - barrier(half)) / dn : Math.max(0, barrier(full)) / full.work.slices;
    fixed += Math.max(0, barrier(half) - barrierCpuPerSlice * half.work.slices);
    return {
      measuredOn: `${hostname()}: ${stack.count} and ${half.work.slices} sample slices of ${stack.size}², ${stack.workers ?? "default"} workers`,
      measuredAt: now().toISOString(),
      stageCpu,
      barrierCpuPerSlice,
      startupCpu: processStart + fixed,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
