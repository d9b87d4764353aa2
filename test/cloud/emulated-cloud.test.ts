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
import { buildServiceDeps } from "../../cloud-runtime/service-deps.js";
import { startEmulators, type Emulators } from "./support/emulators.js";
import { startExecutionsShim, type ExecutionsShim } from "./support/executions-shim.js";
import { createUploadWorld, startIngestFunction, subscribePipeline, worldServiceConfig } from "./support/upload-world.js";
import { listen, localRun, makeStack, assertSameAsLocal, runEnded, uploadFolder, waitFor, waitForExecution, type Listening } from "./support/pipeline.js";

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
  const world = await createUploadWorld(emu);
  out = world.out;
  closers.push(() => world.pubsub.close());

  const config = worldServiceConfig(emu);
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

  const fn = await startIngestFunction(emu, shim.url, urls);
  urls.fn = fn.url;
  closers.push(() => fn.close());
  await subscribePipeline(world, emu, urls);
});

after(async () => {
  if (process.env.EMINGEST_EMULATOR_LOGS) process.stderr.write(`--- service logs\n${logs.join("\n")}\n`);
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});



test("upload slices + ingest.json: one run, every fanned-out task published twice, output byte-identical to the local mode; a redelivered upload starts nothing", async (t) => {
  const slices = path.join(work, "a");
  const local = path.join(work, "a-local");
  // With the lossless png volume and the OME-Zarr copy, so both are written by the services too.
  await makeStack(slices, 4, 256, { cube: 64, raw: true, zarr: true });
  await localRun(slices, local);
  const storage = storageClient(emu.config);
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const runs = new FirestoreRunStore(db);
  await uploadFolder(storage.bucket("emingest-src"), "stack-a/", slices, "ingest.json");
  const execution = await waitFor("the workflow execution", async () => shim.executions[0], 30_000);
  const run = JSON.parse(execution.argument).run as string;
  const record = await runEnded(runs, run, 120_000);
  assert.equal(record.status, "done", JSON.stringify(record.details));
  await shim.settled();
  assert.equal(shim.executions[0].state, "SUCCEEDED", JSON.stringify(shim.executions[0].error));
  const objects = await assertSameAsLocal(out, run, local);
  assert.ok(objects > 10);
  const [zarrObjects] = await out.getFiles({ prefix: `${run}/ng/zarr/` });
  const names = zarrObjects.map((f) => f.name.slice(run.length + 1));
  assert.ok(names.includes("ng/zarr/zarr.json") && names.includes("ng/zarr/0/c/0/0/0"), `the cloud run wrote the OME-Zarr copy: ${names.join(" ")}`);
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
  await assertSameAsLocal(out, result.run, local);
});
