// The services' task delivery (handleTask, handleDeadLetter) and the cloud's barrier steps, over memory
// stores: what each kind of delivery is answered and what it records, and that a failed stage fails its
// run with the message the local driver throws.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIngestConfig } from "../../core/config.js";
import { RetryableError } from "../../core/errors.js";
import { failStage, fanOutStage, openCloudRun, stageStatus } from "../../core/pipeline/cloud-steps.js";
import { enumerateSlices } from "../../core/pipeline/enumerate.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { RunFailedError } from "../../core/pipeline/stage-steps.js";
import { stagesRunBy } from "../../core/pipeline/stages.js";
import { task } from "../../core/pipeline/tasks.js";
import type { ObjectStore } from "../../core/ports.js";
import { handleDeadLetter, handleTask } from "../../cloud-runtime/task-delivery.js";
import { MemoryQueue } from "../support/memory-queue.js";
import { deliveryDeps, FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "./support/memory-pipeline.js";

async function openedRun() {
  const deps = memoryDeps(await sampleSource(4, 256));
  const opened = await openCloudRun({ ...deps, outFor: () => deps.out }, parseIngestConfig({}), () => ({}), FIXED_NOW);
  const queue = new MemoryQueue();
  await fanOutStage(deps, queue, "features");
  return { deps, run: opened.run, queue, delivery: deliveryDeps(deps, stagesRunBy("align")) };
}

test("handleTask: done once, a redelivery is a duplicate; forged and misrouted tasks are refused and never recorded", async () => {
  const { deps, run, delivery } = await openedRun();
  const features = task.features(run, 1);
  assert.deepEqual((await handleTask({ task: features, attempt: 1, attributes: {} }, delivery)).body, { id: "features-1", status: "done" });
  assert.deepEqual((await handleTask({ task: features, attempt: 2, attributes: {} }, delivery)).body, { id: "features-1", status: "duplicate" });
  assert.equal((await deps.runs.getTask(run, "features-1"))?.attempts, 1);
  for (const [what, message] of [
    ["a slice outside the run", task.features(run, 9)],
    ["a payload its id does not name", { ...task.features(run, 2), z: 3 }],
    ["a stage another service runs", task.render(run, 1)],
  ] as const) {
    const reply = await handleTask({ task: message, attempt: 1, attributes: {} }, delivery);
    assert.equal(reply.status, 422, what);
    assert.equal(reply.body.status, "refused", what);
    assert.equal(await deps.runs.getTask(run, message.id), undefined, `${what}: nothing recorded`);
  }
  assert.deepEqual(await deps.runs.countTasks(run, "features"), { done: 1, failed: 0 });
  assert.deepEqual(await deps.runs.countTasks(run, "render"), { done: 0, failed: 0 });
  // A dead letter of a refused message is acknowledged and not recorded either.
  const dead = await handleDeadLetter({ task: task.features(run, 9), attempt: 5, attributes: {} }, delivery);
  assert.deepEqual([dead.status, dead.body.status], [200, "refused"]);
  assert.equal(await deps.runs.getTask(run, "features-9"), undefined);
});

test("handleTask: a missing slice fails for good (recorded, 200); a transient fault is retried (503, nothing recorded)", async () => {
  const { deps, run, delivery } = await openedRun();
  await deps.source.delete("img00002.png");
  const gone = await handleTask({ task: task.features(run, 2), attempt: 1, attributes: {} }, delivery);
  assert.deepEqual([gone.status, gone.body.status], [200, "failed"]);
  assert.match(String((await deps.runs.getTask(run, "features-2"))?.error), /slices\/img00002\.png: missing/);

  let faults = 1;
  const flaky: ObjectStore = {
    ...deps.source,
    getVersioned: async (key) => (faults-- > 0 ? Promise.reject(new RetryableError("the bucket is unreachable")) : deps.source.getVersioned(key)),
  };
  const retried = deliveryDeps({ ...deps, source: flaky }, stagesRunBy("align"));
  const first = await handleTask({ task: task.features(run, 3), attempt: 1, attributes: {} }, retried);
  assert.deepEqual([first.status, first.body.status], [503, "retry"]);
  assert.equal(await deps.runs.getTask(run, "features-3"), undefined);
  const second = await handleTask({ task: task.features(run, 3), attempt: 2, attributes: {} }, retried);
  assert.deepEqual([second.status, second.body.status], [200, "done"]);
  assert.equal((await deps.runs.getTask(run, "features-3"))?.attempts, 2);
});

test("barrier steps: a stage settles when every task is recorded; with failures it fails the run with the local driver's message", async () => {
  const { deps, run, queue, delivery } = await openedRun();
  await deps.source.delete("img00002.png");
  assert.deepEqual(await stageStatus(deps.runs, run, "features"), { run, stage: "features", runStatus: "aligning", total: 4, done: 0, failed: 0, settled: false });
  await queue.deliver((t) => handleTask({ task: t, attempt: 1, attributes: {} }, delivery));
  const settled = await stageStatus(deps.runs, run, "features");
  assert.deepEqual([settled.done, settled.failed, settled.settled], [3, 1, true]);
  const failed = await failStage(deps.runs, run, "features");
  assert.ok(failed instanceof RunFailedError);
  assert.deepEqual([(await deps.runs.getRun(run))?.status, (await deps.runs.getRun(run))?.details.failedStage], ["failed", "features"]);

  // The local driver over the same slices stops at the same stage with the same words.
  const local = memoryDeps(deps.source);
  const manifest = await enumerateSlices(await sampleSource(4, 256), parseIngestConfig({}), "slices");
  const thrown = await runIngest(local, { config: manifest.config, manifest, runner: new InProcessRunner(local), progress: silentProgress, now: FIXED_NOW }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(thrown instanceof RunFailedError);
  assert.equal(thrown.message, failed.message);
  assert.equal((await local.runs.getRun(run))?.details.error, failed.message);
});
