// The alignment class in the cloud's step functions (core/pipeline/cloud-steps.ts, what services/*/steps call
// for the workflow), driven step by step with the local adapters and a queue that runs each task at once: the
// bridge fan-out publishes the same pairs as the local CLI, the plan stands in for the same slices with the
// same transforms, and an unalignable stack fails the plan step and records the run failed, with the CLI's
// message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { FileStore } from "../../adapters/local/file-store.js";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { DEFAULT_CONFIG, parseIngestConfig } from "../../core/config.js";
import { createTaskRouter } from "../../core/pipeline/task-router.js";
import { fanOutStage, openCloudRun, planStep } from "../../core/pipeline/cloud-steps.js";
import type { RunPlan } from "../../core/pipeline/run-plan.js";
import type { TaskMessage, TaskQueue } from "../../core/ports.js";
import { runCli } from "../support/cli.js";
import { alignmentErrorLines, sampleStack, sliceFile, tempDir, writeBlank, writeNoise } from "./support/align-stacks.js";

/** Runs every published task at once and records it as the services do (done with its outcome, or failed). */
class InlineQueue implements TaskQueue {
  readonly published: TaskMessage[] = [];
  constructor(
    private readonly route: (task: TaskMessage) => Promise<unknown>,
    private readonly runs: SqliteRunStore,
  ) {}
  async publish(tasks: readonly TaskMessage[]): Promise<void> {
    for (const task of tasks) {
      this.published.push(task);
      const outcome = await this.route(task);
      await this.runs.recordTask({ run: task.run, id: task.id, stage: task.stage, status: "done", attempts: 1, durationMs: 0, outcome });
    }
  }
}

async function cloudSteps(slices: string, out: string, config: Record<string, unknown>) {
  mkdirSync(out, { recursive: true });
  const runs = new SqliteRunStore(path.join(out, "cloud-state.sqlite"));
  const source = new FileStore(slices);
  const store = new FileStore(out);
  const deps = { source, out: store, sourceName: "slices", runs };
  const queue = new InlineQueue(createTaskRouter(deps), runs);
  const opened = await openCloudRun({ source, sourceName: "slices", runs, outFor: () => store }, parseIngestConfig(config), () => ({}));
  for (const stage of ["features", "align", "bridge"] as const) await fanOutStage(deps, queue, stage);
  return { runs, deps, queue, run: opened.run };
}

test("cloud steps: a blank first slice and two adjacent blanks give the local CLI's bridge pairs and plan", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 32, 256);
  await writeBlank(sliceFile(slices, 0), 256);
  await writeBlank(sliceFile(slices, 20), 256);
  await writeNoise(sliceFile(slices, 21), 256, 3);
  const config = { align: { maxFailedPairShare: 0.2 } };

  const local = path.join(dir, "local");
  const cli = await runCli(["run", slices, "--out", local, "--workers", "2", "--max-failed-pair-share", "0.2", "--keep-tmp", "--json"]);
  assert.equal(cli.code, 0, cli.stderr);
  const localPlan = JSON.parse(readFileSync(path.join(local, "tmp", "plan.json"), "utf8")) as RunPlan;

  const cloud = await cloudSteps(slices, path.join(dir, "cloud"), config);
  t.after(() => cloud.runs.close());
  assert.equal(cloud.run, JSON.parse(cli.stdout).run, "the same run id");
  const bridges = cloud.queue.published.filter((task) => task.stage === "bridge").map((task) => task.id);
  assert.equal(bridges.length, JSON.parse(cli.stdout).executed.bridge);
  // The bridges start beyond the align stage's pairs (nAdjacent apart): around the blank slice 0, (0, 3) at the default 2.
  assert.ok(bridges.includes(`bridge-0-${DEFAULT_CONFIG.align.nAdjacent + 1}`) && bridges.includes("bridge-19-22"), bridges.join(" "));
  const planned = await planStep(cloud.deps);
  assert.equal(planned.substitutions, 3);
  const cloudPlan = JSON.parse(readFileSync(path.join(dir, "cloud", "tmp", "plan.json"), "utf8")) as RunPlan;
  assert.deepEqual(cloudPlan.substitutions.map((s) => [s.z, s.source]), [[0, 1], [20, 19], [21, 19]]);
  assert.deepEqual(cloudPlan, localPlan);
});

test("cloud steps: a stack of noise fails the plan step, records the run failed, and publishes no bridge", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 6, 128);
  for (let z = 0; z < 6; z++) await writeNoise(sliceFile(slices, z), 128, 50 + z);
  const cloud = await cloudSteps(slices, path.join(dir, "cloud"), {});
  t.after(() => cloud.runs.close());
  assert.equal(cloud.queue.published.filter((task) => task.stage === "bridge").length, 0);
  await assert.rejects(planStep(cloud.deps), (error: Error) => {
    assert.equal(error.name, "PermanentError");
    assert.match(error.message, /alignment failed: 5 of 5 pairs \(z-1, z\) failed/);
    return true;
  });
  const record = await cloud.runs.getRun(cloud.run);
  assert.equal(record?.status, "failed");
  assert.equal(record?.details.failedStage, "plan");
  const cli = await runCli(["run", slices, "--out", path.join(dir, "local"), "--workers", "2"]);
  assert.equal(cli.code, 1);
  const lines = alignmentErrorLines(cli.stderr);
  assert.equal(record?.details.error, [lines.headline.replace(/^emingest: /, ""), ...lines.pairs, lines.fix].join("\n"), "the CLI's message");
});
