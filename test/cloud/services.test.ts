// services/*: push envelopes posted in-process (every message twice) and through real Pub/Sub emulator push
// subscriptions (a poison task ends in the dead-letter topic and the run reports it).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { firestoreClient, pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { RunLocator } from "../../adapters/gcp/run-locations.js";
import { PermanentError } from "../../core/errors.js";
import { createApp } from "../../cloud-runtime/app.js";
import { jsonLogger } from "../../cloud-runtime/log.js";
import { startEmulators, type Emulators } from "./support/emulators.js";
import { MemoryQueue } from "../support/memory-queue.js";
import { envelope, listen, localRun, makeStack, post, readBucketTree, readTree, waitFor } from "./support/pipeline.js";
import { pipelineService } from "./support/pipeline-service.js";
import { sameRunObject } from "../support/run-bytes.js";

let emu: Emulators;
let work: string;
before(async () => {
  emu = await startEmulators(["pubsub", "firestore", "gcs"]);
  work = mkdtempSync(path.join(tmpdir(), "emsvc-"));
});
after(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("services: every push envelope delivered twice (concurrently) gives byte-identical output and exact counts", async (t) => {
  const slices = path.join(work, "slices");
  const local = path.join(work, "local");
  await makeStack(slices, 5, 200, { skipAlign: true, cube: 64 });
  await localRun(slices, local);

  const lines: string[] = [];
  const service = await pipelineService(emu, "svc", { slices, stages: ["features", "align", "render", "pyramid"], log: jsonLogger((l) => lines.push(l), "test") });
  t.after(() => service.close());
  const { dst, runs, queue, svc } = service;

  const refused = await post(`${svc.url}/steps/start`, { source: "gs://other-bucket/stack" });
  assert.equal(refused.status, 422);
  assert.match(String(refused.body.error), /not one of the configured source buckets/);

  const started = await post(`${svc.url}/steps/start`, { source: "gs://svc-src/stack" });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const run = String(started.body.run);
  assert.equal((await post(`${svc.url}/steps/fanout`, { run, stage: "features" })).body.total, 0);
  const planned = await post(`${svc.url}/steps/plan`, { run });
  assert.equal(planned.status, 200, JSON.stringify(planned.body));

  const deliverTwice = async (stage: string, expected: number) => {
    queue.published.length = 0;
    const fan = await post(`${svc.url}/steps/fanout`, { run, stage });
    assert.deepEqual([fan.body.total, fan.body.published], [expected, expected]);
    const replies = await Promise.all(queue.published.flatMap((task, i) => [0, 1].map((k) => post(svc.url, envelope(task, `${i}-${k}`)))));
    assert.ok(replies.every((r) => r.status === 200), JSON.stringify(replies.filter((r) => r.status !== 200)));
    assert.equal(replies.filter((r) => r.body.status === "done").length, expected);
    assert.equal(replies.filter((r) => r.body.status === "duplicate").length, expected);
    const status = await post(`${svc.url}/steps/status`, { run, stage });
    assert.deepEqual([status.body.total, status.body.done, status.body.failed, status.body.settled], [expected, expected, 0, true]);
    // A third, late redelivery is acknowledged without work.
    assert.equal((await post(svc.url, envelope(queue.published[0]))).body.status, "duplicate");
  };
  await deliverTwice("render", 5);
  await deliverTwice("pyramid", Number(planned.body.cubes));
  const fin = await post(`${svc.url}/steps/finalize`, { run });
  assert.equal(fin.status, 200, JSON.stringify(fin.body));
  assert.equal((await runs.getRun(run))?.status, "done");
  assert.equal((await post(`${svc.url}/steps/finalize`, { run })).status, 200, "finalize is idempotent");

  const cloud = await readBucketTree(dst, `${run}/`);
  const reference = await readTree(local);
  assert.deepEqual([...cloud.keys()], [...reference.keys()]);
  for (const [key, bytes] of reference) assert.ok(sameRunObject(key, bytes, cloud.get(key)), `${key} differs from the local run`);

  const log = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const taskLine = log.find((l) => String(l.message).startsWith("task render-0 done"));
  assert.deepEqual((taskLine?.["logging.googleapis.com/labels"] as Record<string, string>)?.task, "render-0");
  assert.equal(taskLine?.severity, "INFO");
});

test("services: 4xx for bad bodies, permanent failures recorded and acked, retryable ones 5xx", async (t) => {
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const runs = new FirestoreRunStore(db, "runs-codes");
  const locator = new RunLocator(storageClient(emu.config), runs, { sourceBuckets: [], outputBucket: "x" });
  const logged: string[] = [];
  const app = createApp({
    runs,
    locator,
    queue: new MemoryQueue(),
    log: (severity, message) => void logged.push(`${severity} ${message}`),
    stages: ["render"],
    routerFor: async () => async (task) => {
      if (task.id === "bad") throw new PermanentError("slice 3: corrupt PNG");
      if (task.id === "flaky") throw new Error("socket hang up");
      return { ok: 1 };
    },
  });
  const svc = await listen(app);
  t.after(() => svc.close());
  const task = (id: string, stage = "render") => ({ id, run: "r", stage });
  assert.equal((await post(svc.url, { message: { data: "%%%" } })).status, 400);
  assert.equal((await post(svc.url, { nothing: true })).status, 400);
  assert.equal((await post(svc.url, envelope(task("bad")))).status, 200);
  assert.equal((await runs.getTask("r", "bad"))?.error, "slice 3: corrupt PNG");
  assert.equal((await post(svc.url, envelope(task("flaky")))).status, 503);
  assert.equal(await runs.getTask("r", "flaky"), undefined, "a retryable failure is not recorded");
  // A stage this service does not run: refused (422) and not recorded, so it cannot count as a failure of the run.
  const misrouted = await post(svc.url, envelope(task("x", "align")));
  assert.deepEqual([misrouted.status, misrouted.body.status], [422, "refused"]);
  assert.match(String(misrouted.body.error), /not run by this service/);
  assert.equal(await runs.getTask("r", "x"), undefined);
  assert.equal((await post(svc.url, task("direct"))).body.status, "done", "direct JSON from the workflow");
  assert.deepEqual(await runs.countTasks("r", "render"), { done: 1, failed: 1 });
  // A dead-lettered message that is not a task cannot be recorded; refusing it would loop on the dead-letter
  // subscription (it has no dead-letter topic of its own): acknowledged and logged. Not a push: still 400.
  const junk = { message: { data: Buffer.from("not json").toString("base64"), messageId: "m-17" }, subscription: "projects/p/subscriptions/dl" };
  const dead = await post(`${svc.url}/dead-letter`, junk);
  assert.deepEqual([dead.status, dead.body.status], [200, "not-a-task"]);
  assert.ok(logged.some((l) => /^ERROR dead-lettered message m-17 is not a task \(push envelope: message\.data is not base64 JSON\)/.test(l)), logged.join("\n"));
  assert.equal((await post(`${svc.url}/dead-letter`, { nothing: true })).status, 400);
  assert.equal((await post(svc.url, junk)).status, 400, "on /tasks it goes through retries to the dead-letter topic");
});

test("services through Pub/Sub push: duplicates counted once, a poison task dead-lettered and reported", async (t) => {
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const runs = new FirestoreRunStore(db, "runs-push");
  const locator = new RunLocator(storageClient(emu.config), runs, { sourceBuckets: [], outputBucket: "x" });
  const executed: string[] = [];
  const svc = await listen(
    createApp({
      runs,
      locator,
      queue: new MemoryQueue(),
      log: () => undefined,
      stages: ["render"],
      routerFor: async () => async (task) => {
        executed.push(task.id);
        if (task.id === "poison") throw new Error("decoder crashed");
        return { z: task.z };
      },
    }),
  );
  t.after(() => svc.close());
  const pubsub = pubsubClient(emu.config);
  t.after(() => pubsub.close());
  const [topic] = await pubsub.createTopic("tasks");
  const [dead] = await pubsub.createTopic("dead");
  await dead.createSubscription("dead-push", { pushConfig: { pushEndpoint: `${svc.url}/dead-letter` } });
  await topic.createSubscription("tasks-push", {
    pushConfig: { pushEndpoint: `${svc.url}/` },
    deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 },
    retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 1 } },
    ackDeadlineSeconds: 10,
  });
  const stamp = new Date().toISOString();
  await runs.createRun({ run: "r", status: "rendering", config: {}, totals: { render: 4 }, details: {}, createdAt: stamp, updatedAt: stamp });
  const tasks = [0, 1, 2].map((z) => ({ id: `render-${z}`, run: "r", stage: "render", z }));
  for (const task of [...tasks, ...tasks, { id: "poison", run: "r", stage: "render", z: 9 }]) {
    await topic.publishMessage({ json: task });
  }
  const counts = await waitFor(
    "3 done and 1 dead-lettered",
    async () => {
      const c = await runs.countTasks("r", "render");
      return c.done + c.failed >= 4 ? c : undefined;
    },
    40_000,
  );
  assert.deepEqual(counts, { done: 3, failed: 1 });
  const poison = await runs.getTask("r", "poison");
  assert.match(poison?.error ?? "", /dead-lettered after 5 delivery attempt/);
  assert.equal(executed.filter((id) => id === "poison").length, 5);
  assert.ok(executed.filter((id) => id !== "poison").length <= 6);
  const { failStage } = await import("../../core/pipeline/cloud-steps.js");
  const failure = await failStage(runs, "r", "render");
  assert.match(failure?.message ?? "", /1 render task\(s\) failed:\n {2}poison: dead-lettered/);
  assert.equal((await runs.getRun("r"))?.status, "failed");
});
