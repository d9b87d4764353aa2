// The emulated cloud end to end: slices and ingest.json uploaded to fake-gcs-server; its finalize event goes
// through the Pub/Sub emulator to the function under the Functions Framework; the function creates the run
// in the Firestore emulator, publishes tasks and starts the workflow (Executions API -> workflows emulator
// running workflows-yaml/ingest.yaml), which drives services/align and services/emwrite (Pub/Sub push).
// The output objects must equal the local mode's byte for byte.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Bucket } from "@google-cloud/storage";
import { firestoreClient, pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { executionsClient } from "../../adapters/gcp/workflow-starter.js";
import { stagesRunBy } from "../../core/pipeline/stages.js";
import { createApp } from "../../cloud-runtime/app.js";
import { buildServiceDeps, type ServiceConfig } from "../../cloud-runtime/service-deps.js";
import { startEmulators, type Emulators } from "./support/emulators.js";
import { startExecutionsShim, type ExecutionsShim } from "./support/executions-shim.js";
import { listen, localRun, makeStack, readBucketTree, readTree, uploadFolder, waitFor, waitForExecution, type Listening } from "./support/pipeline.js";

let emu: Emulators;
let work: string;
let shim: ExecutionsShim;
let out: Bucket;
const closers: Array<() => Promise<unknown>> = [];
const urls: { align: string; emwrite: string; fn: string } = { align: "", emwrite: "", fn: "" };
const logs: string[] = [];

before(async () => {
  emu = await startEmulators(["pubsub", "firestore", "gcs", "workflows"]);
  work = mkdtempSync(path.join(tmpdir(), "emcloud-"));
  const storage = storageClient(emu.config);
  await storage.createBucket("emingest-src");
  await storage.createBucket("emingest-src2");
  [out] = await storage.createBucket("emingest-out");
  const pubsub = pubsubClient(emu.config);
  closers.push(() => pubsub.close());
  const [events] = await pubsub.createTopic(emu.env.EMULATOR_EVENT_TOPIC);
  const [alignTopic] = await pubsub.createTopic("emingest-align");
  const [emwriteTopic] = await pubsub.createTopic("emingest-emwrite");
  const [dead] = await pubsub.createTopic("emingest-dead");

  const config: ServiceConfig = {
    gcp: emu.config,
    policy: { sourceBuckets: ["emingest-src", "emingest-src2"], outputBucket: "emingest-out" },
    topics: { align: "emingest-align", emwrite: "emingest-emwrite" },
    runsCollection: "runs",
    port: 0,
    host: "127.0.0.1",
  };
  const serve = async (stages: string[], name: string): Promise<Listening> => {
    const deps = buildServiceDeps(config, stages, (sev, msg, f) => logs.push(JSON.stringify({ sev, msg, name, ...f })));
    // At-least-once, exercised: every task the services fan out is published twice.
    const queue = deps.queue;
    const s = await listen(createApp({ ...deps, queue: { publish: (tasks) => queue.publish([...tasks, ...tasks]) } }));
    closers.push(() => s.close());
    return s;
  };
  urls.align = (await serve(stagesRunBy("align"), "align")).url;
  urls.emwrite = (await serve(stagesRunBy("emwrite"), "emwrite")).url;
  shim = await startExecutionsShim(emu.env.WORKFLOWS_EMULATOR_URL, emu.env.WORKFLOWS_EMULATOR_SOURCE);
  closers.push(() => shim.close());

  // The function reads its configuration from the environment, as deployed.
  Object.assign(process.env, {
    GOOGLE_CLOUD_PROJECT: emu.config.projectId,
    STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT,
    FIRESTORE_EMULATOR_HOST: emu.env.FIRESTORE_EMULATOR_HOST,
    PUBSUB_EMULATOR_HOST: emu.env.PUBSUB_EMULATOR_HOST,
    SOURCE_BUCKETS: "emingest-src,emingest-src2",
    OUTPUT_BUCKET: "emingest-out",
    WORKFLOWS_ENDPOINT: shim.url,
    ALIGN_URL: urls.align,
    EMWRITE_URL: urls.emwrite,
    WORKFLOW_POLL_SECONDS: "1",
  });
  await import("../../functions/ingest/index.js");
  const { getTestServer } = await import("@google-cloud/functions-framework/testing");
  const fnServer = getTestServer("ingest");
  await new Promise<void>((resolve) => fnServer.listen(0, "127.0.0.1", resolve));
  const address = fnServer.address();
  urls.fn = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  closers.push(() => new Promise((resolve) => fnServer.close(resolve)));

  const retry = { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } };
  const deadLetterPolicy = { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 };
  // The Functions Framework turns a raw Pub/Sub push into a CloudEvent when the path names the topic.
  const eventPath = `/projects/${emu.config.projectId}/topics/${emu.env.EMULATOR_EVENT_TOPIC}`;
  await events.createSubscription("ingest-fn", { pushConfig: { pushEndpoint: `${urls.fn}${eventPath}` }, ackDeadlineSeconds: 60, retryPolicy: retry });
  await alignTopic.createSubscription("align-push", { pushConfig: { pushEndpoint: `${urls.align}/` }, ackDeadlineSeconds: 60, retryPolicy: retry, deadLetterPolicy });
  await emwriteTopic.createSubscription("emwrite-push", { pushConfig: { pushEndpoint: `${urls.emwrite}/` }, ackDeadlineSeconds: 60, retryPolicy: retry, deadLetterPolicy });
  await dead.createSubscription("dead-push", { pushConfig: { pushEndpoint: `${urls.emwrite}/dead-letter` } });
});

after(async () => {
  if (process.env.EMINGEST_EMULATOR_LOGS) process.stderr.write(`--- service logs\n${logs.join("\n")}\n`);
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function runByStatus(runs: FirestoreRunStore, run: string, timeoutMs: number) {
  return waitFor(
    `run ${run} to finish`,
    async () => {
      const r = await runs.getRun(run);
      return r && (r.status === "done" || r.status === "failed") ? r : undefined;
    },
    timeoutMs,
    500,
  );
}

async function assertSameAsLocal(run: string, local: string): Promise<number> {
  const cloud = await readBucketTree(out, `${run}/`);
  const reference = await readTree(local);
  assert.deepEqual([...cloud.keys()], [...reference.keys()]);
  for (const [key, bytes] of reference) assert.ok(bytes.equals(cloud.get(key)!), `${key} differs from the local run`);
  return reference.size;
}

test("upload slices + ingest.json: one run, every fanned-out task published twice, output byte-identical to the local mode; a redelivered upload starts nothing", async (t) => {
  const slices = path.join(work, "a");
  const local = path.join(work, "a-local");
  await makeStack(slices, 4, 256, { cube: 64 });
  await localRun(slices, local);
  const storage = storageClient(emu.config);
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const runs = new FirestoreRunStore(db);
  await uploadFolder(storage.bucket("emingest-src"), "stack-a/", slices, "ingest.json");
  const execution = await waitFor("the workflow execution", async () => shim.executions[0], 30_000);
  const run = JSON.parse(execution.argument).run as string;
  const record = await runByStatus(runs, run, 120_000);
  assert.equal(record.status, "done", JSON.stringify(record.details));
  await shim.settled();
  assert.equal(shim.executions[0].state, "SUCCEEDED", JSON.stringify(shim.executions[0].error));
  const objects = await assertSameAsLocal(run, local);
  assert.ok(objects > 10);
  assert.deepEqual(await runs.countTasks(run, "align"), { done: 3, failed: 0 });
  assert.deepEqual(await runs.countTasks(run, "render"), { done: 4, failed: 0 });
  const duplicates = logs.filter((l) => l.includes(`"run":"${run}"`) && (l.includes("redelivery acknowledged") || l.includes("already recorded by another delivery")));
  assert.ok(duplicates.length > 0, "duplicate deliveries reached the services and changed nothing");

  // The same event again (same generation), and an unrelated object: neither starts anything.
  const [meta] = await storage.bucket("emingest-src").file("stack-a/ingest.json").getMetadata();
  const pubsub = pubsubClient(emu.config);
  t.after(() => pubsub.close());
  const attributes = { eventType: "OBJECT_FINALIZE", bucketId: "emingest-src", objectId: "stack-a/ingest.json", objectGeneration: String(meta.generation), payloadFormat: "JSON_API_V1" };
  await pubsub.topic(emu.env.EMULATOR_EVENT_TOPIC).publishMessage({ json: meta, attributes });
  await storage.bucket("emingest-src").file("stack-a/notes.txt").save("not a trigger");
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(shim.executions.length, 1);
});

test("a workflow started by the Executions API with gcloud-style data ({source}) finishes the run", async (t) => {
  const slices = path.join(work, "b");
  const local = path.join(work, "b-local");
  await makeStack(slices, 3, 200, { skipAlign: true, cube: 64, jpegQuality: 80 });
  await localRun(slices, local);
  const storage = storageClient(emu.config);
  await uploadFolder(storage.bucket("emingest-src2"), "stack-b/", slices);
  const client = executionsClient({ endpoint: shim.url });
  t.after(() => client.close());
  const parent = `projects/${emu.config.projectId}/locations/us-central1/workflows/ingest`;
  const data = { source: "gs://emingest-src2/stack-b", alignUrl: urls.align, emwriteUrl: urls.emwrite, pollSeconds: 1 };
  const [created] = await client.createExecution({ parent, execution: { argument: JSON.stringify(data) } });
  const finished = await waitForExecution(client, created.name);
  assert.equal(finished.state, "SUCCEEDED", JSON.stringify(finished.error));
  const result = JSON.parse(finished.result ?? "{}") as { run: string; status: string };
  assert.equal(result.status, "done");
  await assertSameAsLocal(result.run, local);
});
