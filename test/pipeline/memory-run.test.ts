// The whole pipeline in one process, over memory stores: the local driver (runIngest) from enumerate to
// finalize on a tiny stack, and the cloud's steps (cloud-steps.ts) with every task delivered through the
// services' task handler, both from the same slices. The two outputs are the same bytes, key for key, which
// is what the emulated cloud test asserts for the deployed runtime, here in seconds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIngestConfig } from "../../core/config.js";
import { fanOutStage, finalizeStep, openCloudRun, planStep, stageStatus } from "../../core/pipeline/cloud-steps.js";
import { keys } from "../../core/pipeline/keys.js";
import { readShardedChunk } from "../../core/precomputed/shard-reader.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { PIPELINE, stagesRunBy } from "../../core/pipeline/stages.js";
import { handleTask } from "../../cloud-runtime/task-delivery.js";
import { MemoryQueue } from "../support/memory-queue.js";
import { deliveryDeps, FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "./support/memory-pipeline.js";

const CONFIG = { cube: 64, raw: true, zarr: true };

test("runIngest on memory stores: enumerate -> finalize on 5 slices of 256 px; a rerun delivers nothing", async () => {
  const deps = memoryDeps(await sampleSource(5, 256));
  const runner = new InProcessRunner(deps);
  const result = await runIngest(deps, { config: parseIngestConfig(CONFIG), runner, progress: silentProgress, now: FIXED_NOW });
  // 256 x 256 x 5 voxels (the box grows a little with the drift) in cubes of 64: 5 x 5 x 1 cubes or so.
  const { pyramid, ...aligned } = result.executed;
  assert.deepEqual(aligned, { features: 5, align: 4, bridge: 0, render: 5 });
  assert.ok(pyramid >= 16, `${pyramid} pyramid tasks`);
  const record = await deps.runs.getRun(result.run);
  assert.equal(record?.status, "done");
  assert.deepEqual(record?.totals, { slices: 5, features: 5, align: 4, bridge: 0, render: 5, pyramid });
  assert.deepEqual(result.summary.substitutions, []);
  assert.equal(result.summary.slices, 5);
  const written = [...deps.out.snapshot().keys()];
  assert.deepEqual(written.filter((k) => k.startsWith(keys.tmpPrefix)), [], "tmp/ is deleted at the end");
  for (const key of [keys.manifest, "ng/jpeg/info", "ng/raw/info", keys.report("summary.json"), keys.report("transforms.json")]) {
    assert.ok(written.includes(key), `${key} was written`);
  }

  // The lossless volume holds what the plan says: its scale-0 chunk at the origin is 64^3 voxels, not all black.
  const info = JSON.parse(new TextDecoder().decode(deps.out.snapshot().get("ng/raw/info"))) as {
    scales: Array<{ key: string; sharding: Parameters<typeof readShardedChunk>[2] }>;
  };
  const chunk = await readShardedChunk((k, o, l) => deps.out.getRange(`ng/raw/${k}`, o, l), info.scales[0].key, info.scales[0].sharding, 0n);
  assert.ok(chunk && chunk.some((v) => v !== 0), "the chunk at the origin holds the stack");

  const again = await runIngest(deps, { config: parseIngestConfig(CONFIG), runner, progress: silentProgress, now: FIXED_NOW });
  assert.equal(again.run, result.run);
  assert.deepEqual(again.executed, {}, "a finished run with its outputs in place runs nothing");
  assert.deepEqual(again.summary, result.summary);
});

test("the cloud's steps with every task delivered twice through handleTask give the local driver's bytes", async () => {
  const source = await sampleSource(5, 256);
  const local = memoryDeps(source);
  await runIngest(local, { config: parseIngestConfig(CONFIG), runner: new InProcessRunner(local), progress: silentProgress, now: FIXED_NOW });

  const cloud = memoryDeps(source);
  const queue = new MemoryQueue();
  const opened = await openCloudRun({ ...cloud, outFor: () => cloud.out }, parseIngestConfig(CONFIG), () => ({}), FIXED_NOW);
  const replies: string[] = [];
  for (const step of PIPELINE) {
    if (step.kind === "barrier") {
      if (step.name === "plan") await planStep(cloud);
      else await finalizeStep(cloud, { now: FIXED_NOW });
      continue;
    }
    const fanned = await fanOutStage(cloud, queue, step.name);
    assert.equal((await stageStatus(cloud.runs, opened.run, step.name)).settled, fanned.total === 0, `${step.name} settles once its tasks are recorded`);
    const deliver = deliveryDeps(cloud, stagesRunBy(step.service));
    // At least once: each task arrives twice; the second changes nothing.
    await queue.deliver(async (task) => {
      for (let i = 0; i < 2; i++) replies.push(String((await handleTask({ task, attempt: 1, attributes: {} }, deliver)).body.status));
    });
    const status = await stageStatus(cloud.runs, opened.run, step.name);
    assert.deepEqual({ settled: status.settled, failed: status.failed, done: status.done }, { settled: true, failed: 0, done: fanned.total });
  }
  assert.equal((await cloud.runs.getRun(opened.run))?.status, "done");
  assert.ok(replies.length > 0);
  assert.deepEqual(new Set(replies), new Set(["done", "duplicate"]));
  assert.equal(replies.filter((r) => r === "done").length, replies.length / 2);

  const expected = local.out.snapshot();
  const got = cloud.out.snapshot();
  assert.deepEqual([...got.keys()], [...expected.keys()]);
  for (const [key, bytes] of expected) assert.ok(Buffer.from(bytes).equals(Buffer.from(got.get(key)!)), `${key} differs from the local run`);
});
