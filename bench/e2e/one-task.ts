// Runs one task of a finished local run again, alone in this process, and prints its peak RSS (issue 17
// item 2). Tasks are idempotent, so running one again rewrites the same bytes. Used by memory.ts:
//
//   node dist/bench/e2e/one-task.js <slices-dir> <out-dir> <task-id>
import { readFileSync } from "node:fs";
import path from "node:path";
import { FileStore } from "../../adapters/local/file-store.js";
import { STATE_FILE } from "../../adapters/local/local-state.js";
import { WRITES_DIR } from "../../adapters/local/output-claim.js";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { keys } from "../../core/pipeline/keys.js";
import { createTaskRouter } from "../../core/pipeline/task-router.js";
import { parseTaskId, taskFor } from "../../core/pipeline/tasks.js";

const MiB = 1024 * 1024;

/** Peak RSS of this process image (/proc VmHWM, which exec resets; getrusage's maxRSS can keep the parent's from before exec). */
function vmHwmMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (!m) throw new Error("no VmHWM in /proc/self/status");
  return Math.round(Number(m[1]) / 1024);
}

async function main([slices, out, id]: readonly string[]): Promise<void> {
  const key = parseTaskId(id ?? "");
  if (!slices || !out || !key) throw new Error("usage: one-task.js <slices-dir> <out-dir> <task-id>");
  const { run } = JSON.parse(readFileSync(path.join(out, keys.manifest), "utf8")) as { run: string };
  const runs = new SqliteRunStore(path.join(out, STATE_FILE));
  const before = process.memoryUsage.rss();
  const route = createTaskRouter({ source: new FileStore(slices), out: new FileStore(out, { tempDir: path.join(out, WRITES_DIR) }), sourceName: slices, runs });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await route(taskFor(run, key));
  const cpu = process.cpuUsage(cpu0);
  runs.close();
  console.log(
    JSON.stringify({
      task: id,
      peakRssMiB: vmHwmMiB(),
      rssBeforeMiB: Math.round(before / MiB),
      cpuS: (cpu.user + cpu.system) / 1e6,
      wallS: (performance.now() - started) / 1000,
    }),
  );
}

await main(process.argv.slice(2));
