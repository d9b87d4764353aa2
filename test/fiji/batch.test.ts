// Batch mode on one machine: a job file -> deterministic "fiji" tasks -> WorkerQueue (real ImageJ) -> run
// state in the SQLite RunStore; a failing macro is a recorded permanent failure (one attempt), and a second
// submission of the same file runs only what is not done (skip-if-done).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { WorkerQueue, type Settled } from "../../adapters/local/worker-queue.js";
import { PermanentError } from "../../core/errors.js";
import { pendingFijiTasks, planFijiBatch } from "../../core/fiji/batch.js";
import type { FijiPolicy } from "../../core/fiji/request.js";
import { imagejPaths, installImageJ, JOB_USER, scratchRoot } from "./support/imagej.js";
import type { FijiWorkerData } from "./support/fiji-queue-handler.js";

let jar: string;
let root: string;
let scratch: string;
const policy: FijiPolicy = { buckets: ["data"], executables: { java: "/usr/bin/java" } };

before(async () => {
  jar = (await installImageJ()).jar;
  root = mkdtempSync(path.join(tmpdir(), "fiji-batch-"));
  scratch = scratchRoot();
  mkdirSync(path.join(root, "buckets", "data", "in"), { recursive: true });
  for (const z of [0, 1]) {
    const px = Buffer.from(Array.from({ length: 12 * 9 }, (_, i) => (i * 17 + z * 101) % 256));
    writeFileSync(path.join(root, "buckets", "data", "in", `z${z}.png`), await sharp(px, { raw: { width: 12, height: 9, channels: 1 } }).toColourspace("b-w").png().toBuffer());
  }
});
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function jobFile() {
  const invert = (z: number) => ({
    command: `java -jar ${jar} -batch macro.ijm`,
    "input-str": { "macro.ijm": 'open("in.png");\nrun("Invert");\nsaveAs("PNG", getDirectory("current") + "out.png");\n' },
    "input-map": { "in.png": `gs://data/in/z${z}.png` },
    "output-map": { "out.png": `gs://data/out/z${z}.png` },
  });
  const broken = { command: `java -jar ${jar} -batch macro.ijm`, "input-str": { "macro.ijm": 'open("absent.png");\n' }, "output-map": { "x.png": "gs://data/out/x.png" } };
  return { run: "batch-1", jobs: [invert(0), broken, invert(1)] };
}

test("job file parsing: deterministic ids, each request validated with its index", () => {
  const a = planFijiBatch(jobFile(), policy);
  const b = planFijiBatch(JSON.parse(JSON.stringify(jobFile())), policy);
  assert.deepEqual(a.tasks.map((t) => t.id), b.tasks.map((t) => t.id));
  assert.match(a.tasks[0].id, /^fiji-0-[0-9a-f]{12}$/);
  assert.equal(new Set(a.tasks.map((t) => t.id)).size, 3);
  const bad = { run: "batch-1", jobs: [jobFile().jobs[0], { command: "rm -rf x" }] };
  assert.throws(() => planFijiBatch(bad, policy), (e: unknown) => e instanceof PermanentError && /jobs\[1\]\.command: executable "rm" is not allowed/.test(e.message));
  assert.throws(() => planFijiBatch({ run: "Bad Run", jobs: [] }, policy), /"run" must match/);
});

test("batch through WorkerQueue: done, failed-for-good, outputs written, and a re-submission runs only what is not done", async (t) => {
  const runs = new SqliteRunStore(path.join(root, "runs.sqlite"));
  t.after(() => runs.close());
  const { run, tasks } = planFijiBatch(jobFile(), policy);
  const stamp = new Date().toISOString();
  await runs.createRun({ run, status: "rendering", config: {}, totals: { fiji: tasks.length }, details: {}, createdAt: stamp, updatedAt: stamp });
  const workerData: FijiWorkerData = {
    buckets: path.join(root, "buckets"),
    sandbox: { root: scratch, runAs: JOB_USER, timeoutMs: 60_000, javaHeapMb: 256, xvfb: true, readOnlyPaths: imagejPaths(jar) },
    policy,
  };
  const submit = async () => {
    const settled: Settled[] = [];
    const queue = new WorkerQueue({
      handlerModule: new URL("./support/fiji-queue-handler.js", import.meta.url).href,
      workerData,
      workers: 2,
      maxAttempts: 3,
      backoffMs: 50,
      onSettled: async (s) => {
        settled.push(s);
        await runs.recordTask({ run, id: s.task.id, stage: s.task.stage, status: s.ok ? "done" : "failed", attempts: s.attempts, durationMs: s.durationMs, outcome: s.outcome, error: s.error });
      },
    });
    try {
      await queue.publish(await pendingFijiTasks(tasks, runs));
      await queue.drain();
    } finally {
      await queue.close();
    }
    return settled;
  };
  const first = await submit();
  assert.equal(first.length, 3);
  assert.deepEqual(await runs.countTasks(run, "fiji"), { done: 2, failed: 1 });
  const failed = first.find((s) => !s.ok)!;
  assert.equal(failed.task.id, tasks[1].id);
  assert.equal(failed.attempts, 1, "a failing macro is permanent: no retry");
  assert.match(failed.error ?? "", /did not write x\.png.*File not found/s);
  for (const z of [0, 1]) {
    const src = await sharp(readFileSync(path.join(root, "buckets", "data", "in", `z${z}.png`))).toColourspace("b-w").raw().toBuffer();
    const out = await sharp(readFileSync(path.join(root, "buckets", "data", "out", `z${z}.png`))).toColourspace("b-w").raw().toBuffer();
    assert.deepEqual([...out], [...src].map((v) => 255 - v), `z${z}: invert = 255 - v at every pixel`);
  }
  const second = await submit();
  assert.deepEqual(second.map((s) => s.task.id), [tasks[1].id], "skip-if-done: only the failed task runs again");
  assert.deepEqual(readdirSync(scratch), []);
});
