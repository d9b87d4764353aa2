// The benches' Probe (probe.ts): process CPU time attributed to steps and stages. Every step start or end
// reads process.cpuUsage() and gives the CPU since the previous event to the innermost step still open (so
// nested steps are exclusive and overlapping async steps of one kind, like 4 JPEG encodes in flight on
// libuv's pool, count once), and to the current stage. Valid only when one task runs at a time in this
// process (bench/e2e's in-process runner; a service with its probe on, cloud-runtime/service-probe.ts), since
// process CPU counts every thread. Reads no environment and opens no socket: usable from the core's benches
// and the services alike.
import { constants, PerformanceObserver } from "node:perf_hooks";
import type { ObjectStore, RunStore } from "../ports.js";
import type { Probe, StepName } from "./probe.js";

export interface Totals {
  /** stage -> step -> CPU seconds (user + system). */
  cpu: Map<string, Map<string, number>>;
  /** stage -> wall seconds. */
  wall: Map<string, number>;
  /** stage -> seconds of garbage-collection pauses (observeGc), part of that stage's CPU, not added to it. */
  gc: Map<string, number>;
  /** GC kind (perf_hooks constants: minor = scavenge, major = mark-compact) -> pauses and their seconds. */
  gcKinds: Map<string, { count: number; seconds: number }>;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak callbacks",
};

export class StepClock implements Probe {
  private readonly open: Array<{ token: number; name: string }> = [];
  private nextToken = 0;
  private last = process.cpuUsage();
  private lastWall = performance.now();
  private stage = "start";
  readonly totals: Totals = { cpu: new Map(), wall: new Map(), gc: new Map(), gcKinds: new Map() };

  /** Everything from now on belongs to `stage` (until the next call). */
  setStage(stage: string): void {
    this.tick();
    this.stage = stage;
  }

  enter(name: string): number {
    this.tick();
    const token = this.nextToken++;
    this.open.push({ token, name });
    return token;
  }

  exit(token: number): void {
    this.tick();
    const i = this.open.findIndex((o) => o.token === token);
    if (i >= 0) this.open.splice(i, 1);
  }

  async measure<T>(name: string, run: () => Promise<T>): Promise<T> {
    const token = this.enter(name);
    try {
      return await run();
    } finally {
      this.exit(token);
    }
  }

  step<T>(name: StepName, run: () => Promise<T>): Promise<T> {
    return this.measure(name, run);
  }

  stepSync<T>(name: StepName, run: () => T): T {
    const token = this.enter(name);
    try {
      return run();
    } finally {
      this.exit(token);
    }
  }

  /**
   * Counts garbage-collection pauses per stage from now on (what observeGc reports is wall time the main
   * thread stood still, already inside the CPU above; entries arrive within a tick, so a pause at a stage's
   * very end may land on the next). Returns the function that stops it.
   */
  observeGc(): () => void {
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.totals.gc.set(this.stage, (this.totals.gc.get(this.stage) ?? 0) + entry.duration / 1000);
        const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? "other";
        const k = this.totals.gcKinds.get(kind) ?? { count: 0, seconds: 0 };
        this.totals.gcKinds.set(kind, { count: k.count + 1, seconds: k.seconds + entry.duration / 1000 });
      }
    });
    observer.observe({ entryTypes: ["gc"] });
    return () => observer.disconnect();
  }

  /** Closes the books: attributes the CPU since the last event. */
  tick(): void {
    const now = process.cpuUsage();
    const wallNow = performance.now();
    const seconds = (now.user - this.last.user + now.system - this.last.system) / 1e6;
    this.last = now;
    const name = this.open.length > 0 ? this.open[this.open.length - 1].name : "other";
    const steps = this.totals.cpu.get(this.stage) ?? new Map<string, number>();
    steps.set(name, (steps.get(name) ?? 0) + seconds);
    this.totals.cpu.set(this.stage, steps);
    this.totals.wall.set(this.stage, (this.totals.wall.get(this.stage) ?? 0) + (wallNow - this.lastWall) / 1000);
    this.lastWall = wallNow;
  }
}

/** The store with each call measured as a step named by `classify(key, "get" | "put" | ...)`. */
export function clockedStore(store: ObjectStore, clock: StepClock, classify: (op: string, key: string) => string): ObjectStore {
  return {
    get: (key) => clock.measure(classify("get", key), () => store.get(key)),
    getVersioned: (key) => clock.measure(classify("get", key), () => store.getVersioned(key)),
    getRange: (key, offset, length) => clock.measure(classify("get", key), () => store.getRange(key, offset, length)),
    put: (key, bytes, options) => clock.measure(classify("put", key), () => store.put(key, bytes, options)),
    list: (prefix) => clock.measure(classify("list", prefix), () => store.list(prefix)),
    listVersions: (prefix) => clock.measure(classify("list", prefix), () => store.listVersions(prefix)),
    delete: (key) => clock.measure(classify("delete", key), () => store.delete(key)),
  };
}

/**
 * Which step a store call is, by its key (pipeline/keys.ts): the names bench/e2e prints, so a local and a
 * cloud breakdown compare line by line.
 */
export function storeStep(where: "source" | "out"): (op: string, key: string) => string {
  return (op, key) => {
    if (where === "source") return op === "get" ? "slice read" : "source listing";
    if (key.startsWith("tmp/render/")) return op === "put" ? "tile write" : op === "get" ? "tile read" : "tmp delete";
    if (key.startsWith("tmp/features/")) return op === "put" ? "features write" : op === "get" ? "features read" : "tmp delete";
    if (key.startsWith("ng/")) return op === "put" ? "shard write" : "shard read";
    return `metadata ${op}`;
  };
}

/** The step name for a task's time outside its named steps: for align and bridge that is matching and RANSAC. */
export function restOf(stage: string): string {
  return stage === "align" || stage === "bridge" ? "match + RANSAC" : `${stage} (rest)`;
}

/** Totals as plain data: stage -> step -> CPU seconds, rounded to the millisecond. */
export function totalsJson(totals: Totals): Record<string, Record<string, number>> {
  return Object.fromEntries([...totals.cpu].map(([stage, steps]) => [stage, Object.fromEntries([...steps].map(([k, v]) => [k, Number(v.toFixed(3))]))]));
}

/** GC pauses as plain data: stage -> seconds, rounded to the millisecond. */
export function gcJson(totals: Totals): Record<string, number> {
  return Object.fromEntries([...totals.gc].map(([stage, s]) => [stage, Number(s.toFixed(3))]));
}

/** GC pauses by kind, with the heap in use now (MiB): what a major collection has to mark. */
export function gcKindsJson(totals: Totals): Record<string, unknown> {
  const kinds = Object.fromEntries([...totals.gcKinds].map(([kind, k]) => [kind, { count: k.count, seconds: Number(k.seconds.toFixed(3)) }]));
  return { ...kinds, heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) };
}

/** Every RunStore call measured as "state write" (updates, task records) or "state read". */
export function clockedRuns(runs: RunStore, clock: StepClock): RunStore {
  return {
    getRun: (run) => clock.measure("state read", () => runs.getRun(run)),
    createRun: (record) => clock.measure("state write", () => runs.createRun(record)),
    updateRun: (run, patch) => clock.measure("state write", () => runs.updateRun(run, patch)),
    recordTask: (record) => clock.measure("state write", () => runs.recordTask(record)),
    getTask: (run, id) => clock.measure("state read", () => runs.getTask(run, id)),
    listTasks: (run, stage) => clock.measure("state read", () => runs.listTasks(run, stage)),
    countTasks: (run, stage) => clock.measure("state read", () => runs.countTasks(run, stage)),
  };
}
