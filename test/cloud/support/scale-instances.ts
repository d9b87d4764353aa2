// Several instances of a pipeline service, each its own OS process started from the service's wiring file
// (services/<name>/server.ts) with its configuration in the environment, as Cloud Run starts a container; with
// OPERATION_COUNTS_FILE set, so each counts the billed operations of its ports and writes them when stopped
// (cloud-runtime/operation-counts.ts). Stopping sends SIGTERM to exactly the processes started here (Cloud
// Run's 10 s grace, then SIGKILL) and reads back each one's counts, its CPU time and the tasks its log says
// it started.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import path from "node:path";
import type { OperationCounts } from "../../../cloud-runtime/operation-counts.js";
import type { ServiceName } from "../../../core/pipeline/stages.js";
import { processCpuS } from "../../../bench/scale/proc-cpu.js";
import { freePort } from "../../support/free-port.js";
import { waitFor } from "./pipeline.js";
import { serviceNodeArgs } from "../../../cloud-runtime/node-flags.js";

export interface InstanceReport {
  service: ServiceName;
  instance: number;
  pid: number;
  counts: OperationCounts;
  cpuS: number;
  /** Task id -> times this instance's log says it started the task. */
  starts: Map<string, number>;
  /** Its first WARNING and ERROR log messages, for the message of a check that failed. */
  warnings: string[];
}

export interface Instances {
  urls: string[];
  /** SIGTERM to each process, then its counts, CPU time and started tasks. */
  stop(): Promise<InstanceReport[]>;
}

export async function startInstances(service: ServiceName, count: number, dir: string, env: Record<string, string>): Promise<Instances> {
  const started: Array<{ child: ChildProcess; url: string; countsFile: string; logFile: string }> = [];
  const stopAll = () => Promise.all(started.map((s) => stopChild(s.child)));
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const countsFile = path.join(dir, `${service}-${i}.counts.json`);
      const logFile = path.join(dir, `${service}-${i}.log`);
      const child = spawn(process.execPath, serviceNodeArgs(service), {
        env: { ...env, PORT: String(port), HOST: "127.0.0.1", OPERATION_COUNTS_FILE: countsFile },
        stdio: ["ignore", openSync(logFile, "w"), "inherit"],
      });
      const url = `http://127.0.0.1:${port}`;
      // A driver that ends without stopping it (an uncaught error) takes it along.
      const orphaned = () => child.kill("SIGKILL");
      process.once("exit", orphaned);
      child.once("exit", () => process.off("exit", orphaned));
      started.push({ child, url, countsFile, logFile });
      await waitFor(`${service} instance ${i} to listen`, async () => (await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false)) || undefined, 30_000, 100);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    urls: started.map((s) => s.url),
    async stop() {
      // CPU time is read while the process lives (/proc); the counts once it has written them and exited.
      const cpu = started.map((s) => processCpuS(s.child.pid ?? 0));
      const exits = await stopAll();
      return started.map((s, i) => {
        if (exits[i] !== 0) throw new Error(`${service} instance ${i} (pid ${s.child.pid}) ended with ${exits[i]}, not 0: its counts are incomplete`);
        return {
          service,
          instance: i,
          pid: s.child.pid ?? 0,
          counts: JSON.parse(readFileSync(s.countsFile, "utf8")) as OperationCounts,
          cpuS: cpu[i],
          ...readLog(s.logFile),
        };
      });
    },
  };
}

/** From a service's JSON log: task id -> its "task <id> started" lines (cloud-runtime/task-delivery.ts), and the first warnings. */
function readLog(logFile: string): { starts: Map<string, number>; warnings: string[] } {
  const starts = new Map<string, number>();
  const warnings: string[] = [];
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { severity?: string; message?: string; "logging.googleapis.com/labels"?: { task?: string } };
    const task = entry["logging.googleapis.com/labels"]?.task;
    if (task && entry.message === `task ${task} started`) starts.set(task, (starts.get(task) ?? 0) + 1);
    if ((entry.severity === "WARNING" || entry.severity === "ERROR") && warnings.length < 20) warnings.push(`${entry.severity} ${entry.message}`);
  }
  return { starts, warnings };
}

/** SIGTERM, SIGKILL after 10 s; the exit code, or the signal's name when it was killed. */
function stopChild(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode ?? "gone");
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? "gone");
    });
    child.kill("SIGTERM");
  });
}
