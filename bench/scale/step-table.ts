// The cloud's CPU per step beside the local run's (bench/scale/cloud-cpu.ts --probe): the services' probe
// files (cloud-runtime/service-probe.ts) against bench/e2e/run.ts's probed in-process run of the same stack.
// Both charge process CPU to the same step names (core/util/step-clock.ts), one task at a time.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** stage -> step -> CPU seconds. */
export type StepTotals = Record<string, Record<string, number>>;

/** The local pipeline, in process and probed: bench/e2e/run.js --skip-cli on the stack in `dir`. */
export function localProbed(e2e: string, dir: string, slices: number, size: number, clahe: number): { cpuS: number; stages: StepTotals; gc: Record<string, number>; gcKinds: unknown } {
  const r = spawnSync(process.execPath, [e2e, "--skip-cli", "--dir", dir, "--slices", String(slices), "--size", String(size), "--clahe", String(clahe)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench/e2e/run.js failed (${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`);
  const line = r.stdout.split("\n").find((l) => l.startsWith('{"bench":"e2e"'));
  if (!line) throw new Error(`bench/e2e/run.js printed no summary line: ${r.stdout.slice(-400)}`);
  const summary = JSON.parse(line) as { probed: { cpu: number }; stages: StepTotals; gc: Record<string, number>; gcKinds: unknown };
  return { cpuS: summary.probed.cpu, stages: summary.stages, gc: summary.gc, gcKinds: summary.gcKinds };
}

/** The stages of several services' probe files, summed; "start" (before the first request) left out. */
export function cloudProbed(files: readonly string[]): { stages: StepTotals; gc: Record<string, number>; gcKinds: unknown[] } {
  const stages: StepTotals = {};
  const gc: Record<string, number> = {};
  const gcKinds: unknown[] = [];
  for (const file of files) {
    const probe = JSON.parse(readFileSync(file, "utf8")) as { cpu: StepTotals; gc: Record<string, number>; gcKinds: unknown };
    gcKinds.push(probe.gcKinds);
    for (const [stage, steps] of Object.entries(probe.cpu)) {
      if (stage === "start") continue;
      const into = (stages[stage] ??= {});
      for (const [step, s] of Object.entries(steps)) into[step] = (into[step] ?? 0) + s;
    }
    for (const [stage, s] of Object.entries(probe.gc)) if (stage !== "start") gc[stage] = (gc[stage] ?? 0) + s;
  }
  return { stages, gc, gcKinds };
}

/** stage -> [local, cloud] seconds of GC pauses. */
export function gcByStage(local: Record<string, number>, cloud: Record<string, number>): Array<[string, number, number]> {
  return [...new Set([...Object.keys(local), ...Object.keys(cloud)])].map((n): [string, number, number] => [n, local[n] ?? 0, cloud[n] ?? 0]);
}

/** step -> [local, cloud] CPU seconds over all stages, largest difference first. */
export function byStep(local: StepTotals, cloud: StepTotals): Array<[string, number, number]> {
  const sum = (t: StepTotals) => {
    const m = new Map<string, number>();
    for (const steps of Object.values(t)) for (const [k, v] of Object.entries(steps)) m.set(k, (m.get(k) ?? 0) + v);
    return m;
  };
  const l = sum(local);
  const c = sum(cloud);
  const names = [...new Set([...l.keys(), ...c.keys()])];
  return names.map((n): [string, number, number] => [n, l.get(n) ?? 0, c.get(n) ?? 0]).sort((a, b) => b[2] - b[1] - (a[2] - a[1]));
}

/** stage -> [local, cloud] CPU seconds. */
export function byStage(local: StepTotals, cloud: StepTotals): Array<[string, number, number]> {
  const total = (steps: Record<string, number> | undefined) => Object.values(steps ?? {}).reduce((a, b) => a + b, 0);
  const names = [...new Set([...Object.keys(local), ...Object.keys(cloud)])];
  return names.map((n): [string, number, number] => [n, total(local[n]), total(cloud[n])]);
}

export function printSteps(title: string, rows: ReadonlyArray<[string, number, number]>, unit = "CPU-s"): void {
  console.log(`\n${title.padEnd(34)} ${`local ${unit}`.padStart(11)}  ${`cloud ${unit}`.padStart(11)}  cloud - local`);
  for (const [name, l, c] of rows) {
    if (Math.max(l, c) < 0.005) continue;
    console.log(`${name.padEnd(34)} ${l.toFixed(2).padStart(11)}  ${c.toFixed(2).padStart(11)}  ${(c - l).toFixed(2).padStart(13)}`);
  }
  const [l, c] = rows.reduce(([a, b], [, x, y]) => [a + x, b + y], [0, 0]);
  console.log(`${"total".padEnd(34)} ${l.toFixed(2).padStart(11)}  ${c.toFixed(2).padStart(11)}  ${(c - l).toFixed(2).padStart(13)}`);
}
