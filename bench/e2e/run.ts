// Where the CPU time of a local run goes (issue 17 item 1).
//
//   node dist/bench/e2e/run.js [--slices 64] [--size 4096] [--clahe 2] [--dir /tmp/emingest-bench] [--skip-cli]
//
// 1. Generates a stack with `emingest sample` (cached in DIR/stack-NxS, reused when present).
// 2. Runs the real CLI (`emingest run STACK --out DIR/out-cli --clahe C`) under /usr/bin/time: wall, CPU
//    seconds (user + system, every thread), peak RSS. This is the number the issue's target is about.
// 3. Runs the same pipeline in this process, one task at a time, with a StepClock as the tasks' probe and
//    the stores and run state wrapped by it (core/util/probe.ts; core/util/step-clock.ts): CPU seconds per stage and
//    per step, peak RSS sampled per task kind (rss-sampler.ts).
// Input MB = decoded pixel bytes (slices x width x height x bytes per sample) / 1e6, as in the issue.
// Prints tables and one JSON line (`{"bench":"e2e",...}`).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { FileStore } from "../../adapters/local/file-store.js";
import { openLocalState } from "../../adapters/local/local-state.js";
import { WRITES_DIR } from "../../adapters/local/output-claim.js";
import { parseIngestConfig } from "../../core/config.js";
import { enumerateSlices } from "../../core/pipeline/enumerate.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { createTaskRouter } from "../../core/pipeline/task-router.js";
import { benchPaths, optionReader } from "../support.js";
import { InProcessRunner } from "./in-process-runner.js";
import { RssSampler } from "./rss-sampler.js";
import { clockedRuns, clockedStore, gcJson, gcKindsJson, StepClock, storeStep } from "../../core/util/step-clock.js";

const MiB = 1024 * 1024;

/** The barrier step that runs after a fan-out stage (core/pipeline/stages.ts). */
function barrierAfter(stage: string): string {
  if (stage === "align" || stage === "bridge") return "plan: solve (barrier)";
  if (stage === "pyramid") return "finalize (barrier)";
  return "between stages";
}

function cliRun(repoRoot: string, stack: string, out: string, clahe: string): { wall: number; cpu: number; peakRssMiB: number } {
  const main = path.join(repoRoot, "dist/cli/main.js");
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %U %S %M", process.execPath, main, "run", stack, "--out", out, "--clahe", clahe], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`emingest run failed (${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`);
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no /usr/bin/time line in: ${r.stderr.slice(-400)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), peakRssMiB: Number(m[4]) / 1024 };
}

async function probedRun(stack: string, out: string, clahe: number) {
  const clock = new StepClock();
  const rss = new RssSampler();
  const config = parseIngestConfig({ claheClip: clahe }, "bench");
  const source = new FileStore(stack);
  const manifest = await enumerateSlices(source, config, "stack");
  const state = await openLocalState(out, out, manifest.run);
  const outStore = clockedStore(new FileStore(out, { tempDir: path.join(out, WRITES_DIR) }), clock, storeStep("out"));
  const sourceStore = clockedStore(source, clock, storeStep("source"));
  const runs = clockedRuns(state.runs, clock);
  const taskDeps = { source: sourceStore, out: outStore, sourceName: "stack", probe: clock };
  const route = createTaskRouter({ ...taskDeps, runs });
  const runner = new InProcessRunner(route, runs, clock, rss, barrierAfter);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const stopGc = clock.observeGc();
  try {
    clock.setStage("open run");
    await runIngest({ ...taskDeps, runs }, { config, manifest, runner, progress: silentProgress });
    clock.tick();
  } finally {
    stopGc();
    await state.close();
    await rss.close();
  }
  const cpu1 = process.cpuUsage(cpu0);
  return { clock, runner, wall: (performance.now() - started) / 1000, cpu: (cpu1.user + cpu1.system) / 1e6 };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

async function main(argv: readonly string[]): Promise<void> {
  const opt = optionReader(argv);
  const slices = Number(opt("slices", "64"));
  const size = Number(opt("size", "4096"));
  const clahe = opt("clahe", "2");
  const dir = path.resolve(opt("dir", "/tmp/emingest-bench"));
  const { repoRoot } = benchPaths(import.meta.url);
  const stack = path.join(dir, `stack-${slices}x${size}`);
  if (!existsSync(stack) || readdirSync(stack).filter((f) => f.endsWith(".png")).length !== slices) {
    await rm(stack, { recursive: true, force: true });
    execFileSync(process.execPath, [path.join(repoRoot, "dist/cli/main.js"), "sample", stack, "--count", String(slices), "--size", String(size)], { stdio: "inherit" });
  }
  const pngBytes = readdirSync(stack).filter((f) => f.endsWith(".png")).reduce((n, f) => n + statSync(path.join(stack, f)).size, 0);
  const inputMB = (slices * size * size) / 1e6;

  let cli: ReturnType<typeof cliRun> | undefined;
  if (!argv.includes("--skip-cli")) {
    const out = path.join(dir, "out-cli");
    await rm(out, { recursive: true, force: true });
    cli = cliRun(repoRoot, stack, out, clahe);
    await rm(out, { recursive: true, force: true });
  }
  const probeOut = path.join(dir, "out-probe");
  await rm(probeOut, { recursive: true, force: true });
  const probed = await probedRun(stack, probeOut, Number(clahe));
  await rm(probeOut, { recursive: true, force: true });

  console.log(`stack: ${slices} x ${size}^2 8-bit, ${inputMB.toFixed(0)} MB of pixels, ${(pngBytes / 1e6).toFixed(0)} MB of PNG; CLAHE ${clahe}, jpeg only`);
  if (cli) {
    console.log(`emingest run (CLI): ${cli.wall.toFixed(1)} s wall, ${cli.cpu.toFixed(1)} CPU-s, peak RSS ${cli.peakRssMiB.toFixed(0)} MiB, ${(inputMB / cli.cpu).toFixed(1)} MB input per CPU-s`);
  }
  console.log(`in-process, one task at a time, probed: ${probed.wall.toFixed(1)} s wall, ${probed.cpu.toFixed(1)} CPU-s, ${(inputMB / probed.cpu).toFixed(1)} MB input per CPU-s`);
  const stages: Record<string, Record<string, number>> = {};
  console.log(`\n${pad("stage", 20)}${pad("tasks", 7)}${pad("CPU-s", 8)}${pad("wall s", 8)}${pad("peak RSS MiB", 14)}steps (CPU-s)`);
  for (const [stage, steps] of probed.clock.totals.cpu) {
    const total = [...steps.values()].reduce((a, b) => a + b, 0);
    if (total < 0.005 && !probed.runner.tasks.has(stage)) continue;
    stages[stage] = Object.fromEntries([...steps].map(([k, v]) => [k, Number(v.toFixed(3))]));
    const shown = [...steps].filter(([, v]) => v >= 0.005).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ");
    const peak = probed.runner.peakRss.get(stage);
    console.log(
      `${pad(stage, 20)}${pad(String(probed.runner.tasks.get(stage) ?? ""), 7)}${pad(total.toFixed(2), 8)}${pad((probed.clock.totals.wall.get(stage) ?? 0).toFixed(1), 8)}${pad(peak ? (peak / MiB).toFixed(0) : "", 14)}${shown}`,
    );
  }
  const bySteps = new Map<string, number>();
  for (const steps of probed.clock.totals.cpu.values()) for (const [k, v] of steps) bySteps.set(k, (bySteps.get(k) ?? 0) + v);
  console.log(`\nper step, all stages: ${[...bySteps].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  const summary = {
    bench: "e2e",
    date: new Date().toISOString(),
    slices,
    size,
    clahe: Number(clahe),
    inputMB,
    pngMB: pngBytes / 1e6,
    cli: cli && { ...cli, mbPerCpuS: inputMB / cli.cpu },
    probed: { wall: probed.wall, cpu: probed.cpu, mbPerCpuS: inputMB / probed.cpu },
    peakRssMiB: Object.fromEntries([...probed.runner.peakRss].map(([k, v]) => [k, Math.round(v / MiB)])),
    stages,
    gc: gcJson(probed.clock.totals),
    gcKinds: gcKindsJson(probed.clock.totals),
  };
  console.log(JSON.stringify(summary));
}

await main(process.argv.slice(2));
