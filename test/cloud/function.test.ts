// functions/ingest under the Functions Framework: storage "finalized" CloudEvents posted to its test server
// (binary and structured mode), on the Firestore, GCS and Pub/Sub emulators.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Subscription } from "@google-cloud/pubsub";
import { firestoreClient, pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { startEmulators, type Emulators } from "./support/emulators.js";
import { type ExecutionsShim } from "./support/executions-shim.js";
import { createFunctionWorld, postFinalized } from "./support/function-world.js";
import { makeStack, uploadFolder } from "./support/pipeline.js";

let emu: Emulators;
let work: string;
let shim: ExecutionsShim;
let fn: Server;
let fnUrl: string;
let features: Subscription;

before(async () => {
  emu = await startEmulators(["pubsub", "firestore", "gcs"]);
  work = mkdtempSync(path.join(tmpdir(), "emfn-"));
  ({ features, shim } = await createFunctionWorld(emu, work));
  Object.assign(process.env, {
    GOOGLE_CLOUD_PROJECT: emu.config.projectId,
    STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT,
    FIRESTORE_EMULATOR_HOST: emu.env.FIRESTORE_EMULATOR_HOST,
    PUBSUB_EMULATOR_HOST: emu.env.PUBSUB_EMULATOR_HOST,
    SOURCE_BUCKETS: "fn-src",
    OUTPUT_BUCKET: "fn-out",
    WORKFLOWS_ENDPOINT: shim.url,
  });
  await import("../../functions/ingest/index.js");
  const { getTestServer } = await import("@google-cloud/functions-framework/testing");
  fn = getTestServer("ingest");
  await new Promise<void>((resolve) => fn.listen(0, "127.0.0.1", resolve));
  fnUrl = `http://127.0.0.1:${(fn.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => fn?.close(resolve));
  await shim?.close();
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let eventId = 0;
function finalized(bucket: string, name: string, generation: string): Promise<number> {
  eventId += 1;
  return postFinalized(fnUrl, { bucket, name, generation, id: String(eventId) });
}

async function pullCount(sub: Subscription): Promise<number> {
  const { v1 } = await import("@google-cloud/pubsub");
  // The low-level client ignores PUBSUB_EMULATOR_HOST: build it from the high-level client's config.
  const config = await pubsubClient(emu.config).getClientConfig();
  const client = new v1.SubscriberClient({ ...config, port: config.port === undefined ? undefined : Number(config.port) });
  const [res] = await client.pull({ subscription: sub.name, maxMessages: 100 });
  const ids = (res.receivedMessages ?? []).map((m) => m.ackId!);
  if (ids.length) await client.acknowledge({ subscription: sub.name, ackIds: ids });
  await client.close();
  return ids.length;
}

test("function: other objects are ignored, a bad ingest.json is rejected naming the field, a good one starts one run per upload", async (t) => {
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const runs = new FirestoreRunStore(db);
  const slices = path.join(work, "s");
  await makeStack(slices, 3, 128, { cube: 64 });
  const bucket = storageClient(emu.config).bucket("fn-src");
  await uploadFolder(bucket, "stack/", slices, "ingest.json");

  assert.equal(await finalized("fn-src", "stack/img00001.png", "1"), 204);
  assert.equal((await db.collection("triggers").get()).size, 0, "a slice upload touches nothing");

  await bucket.file("bad/ingest.json").save(JSON.stringify({ cube: 100 }));
  assert.equal(await finalized("fn-src", "bad/ingest.json", "7"), 204);
  const rejected = (await db.collection("triggers").get()).docs.map((d) => d.data());
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0].status, "rejected");
  assert.match(String(rejected[0].error), /ingest\.json: "cube" must be 64 times a power of two, got 100/);

  assert.equal(await finalized("fn-src", "stack/ingest.json", "42"), 204);
  assert.equal(await finalized("fn-src", "stack/ingest.json", "42"), 204, "the same upload again");
  assert.equal(shim.executions.length, 1);
  const argument = JSON.parse(shim.executions[0].argument) as { run: string; source: string; published: string[] };
  assert.equal(argument.source, "gs://fn-src/stack");
  assert.deepEqual(argument.published, ["features"]);
  const run = await runs.getRun(argument.run);
  assert.equal(run?.totals.features, 3);
  assert.equal(run?.totals.slices, 3);
  assert.equal(await pullCount(features), 3, "one features task per slice published");

  // A new generation of the same config is a new upload: a second execution of the same (idempotent) run.
  assert.equal(await finalized("fn-src", "stack/ingest.json", "43"), 204);
  assert.equal(shim.executions.length, 2);
  assert.equal(JSON.parse(shim.executions[1].argument).run, argument.run);
  assert.equal((await db.collection("runs").get()).size, 1);
});

test("emingest submit uploads slices then ingest.json; emingest status reads the run it started", async (t) => {
  const { submitCommand } = await import("../../cli/submit-command.js");
  const { statusCommand } = await import("../../cli/status-command.js");
  const slices = path.join(work, "submit");
  await makeStack(slices, 2, 96, { skipAlign: true, cube: 64 });
  const lines: string[] = [];
  const result = await submitCommand({ command: "submit", folder: slices, target: "gs://fn-src/submitted/", concurrency: 2 }, emu.config, (l) => lines.push(l));
  assert.deepEqual([result.slices, result.target], [2, "gs://fn-src/submitted"]);
  const [files] = await storageClient(emu.config).bucket("fn-src").getFiles({ prefix: "submitted/" });
  assert.deepEqual(files.map((f) => f.name).sort(), ["submitted/img00000.png", "submitted/img00001.png", "submitted/ingest.json"]);
  const [meta] = await files.find((f) => f.name.endsWith("ingest.json"))!.getMetadata();
  assert.equal(await finalized("fn-src", "submitted/ingest.json", String(meta.generation)), 204);
  const run = JSON.parse(shim.executions.at(-1)!.argument).run as string;
  const out: string[] = [];
  const code = await statusCommand({ command: "status", run, watch: false, interval: 1, collection: "runs", json: false }, emu.config, { write: (s) => out.push(s) });
  assert.equal(code, 0);
  assert.match(out.join(""), new RegExp(`run ${run}: aligning`));
  assert.match(out.join(""), /features {2}\[#{24}\] 0\/0/);
  // --json: the run record, with the per-slice version tags (resume bookkeeping) shown as a count.
  const json: string[] = [];
  assert.equal(await statusCommand({ command: "status", run, watch: false, interval: 1, collection: "runs", json: true }, emu.config, { write: (s) => json.push(s) }), 0);
  const details = (JSON.parse(json.join("")) as { run: { details: Record<string, unknown> } }).run.details;
  assert.equal(details.sliceVersionsRecorded, 2);
  assert.equal("sliceVersions" in details, false);
  const missing: string[] = [];
  t.diagnostic("status of an unknown run");
  assert.equal(await statusCommand({ command: "status", run: "run-nope", watch: false, interval: 1, collection: "runs", json: false }, emu.config, { write: (s) => missing.push(s) }), 1);
  assert.match(missing.join(""), /run run-nope not found/);
});
