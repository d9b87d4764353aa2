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

export async function calibrate(stack: CalibrationStack, now: () => Date = () => new Date()): Promise<Calibration> {
  const startupCpu = cpuSeconds();
  const dir = await fs.mkdtemp(path.join(tmpdir(), "emingest-calibrate-"));
  try {
    const slices = path.join(dir, "slices");
    const out = path.join(dir, "out");
    await sampleCommand({ command: "sample", dir: slices, count: stack.count, width: stack.size, height: stack.size, seed: 1 });
    await fs.rm(path.join(slices, "ground-truth.json"));
    const spent: Partial<Record<FanOutStage, number>> = {};
    let started = 0;
    const progress: ProgressSink = {
      stageStarted: () => void (started = cpuSeconds()),
      stageFinished: (stage) => void (spent[stage as FanOutStage] = cpuSeconds() - started),
      taskSettled: () => undefined,
      message: () => undefined,
    };
    const before = cpuSeconds();
    await runCommand({ command: "run", slices, out, overrides: {}, workers: stack.workers, taskTimeoutS: 1800, keepTmp: false, json: false }, progress);
    const total = cpuSeconds() - before;
    const manifest = JSON.parse(await fs.readFile(path.join(out, "report", "manifest.json"), "utf8")) as RunManifest;
    const work = stackWork(manifest);
    const stageCpu = { features: 0, align: 0, bridge: 0, render: 0, pyramid: 0 } as Record<FanOutStage, number>;
    for (const s of work.stages) stageCpu[s.stage] = s.units > 0 ? (spent[s.stage] ?? 0) / s.units : 0;
    // No bridge pairs in a sample stack: they cost what an adjacent pair costs.
    stageCpu.bridge = stageCpu.align;
    const inStages = Object.values(spent).reduce((a, b) => a + b, 0);
    return {
      measuredOn: `${hostname()}: ${stack.count} sample slices of ${stack.size}², ${stack.workers ?? "default"} workers`,
      measuredAt: now().toISOString(),
      stageCpu,
      barrierCpuPerSlice: Math.max(0, total - inStages) / work.slices,
      startupCpu,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
