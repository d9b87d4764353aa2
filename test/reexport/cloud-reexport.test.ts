// Issue 16 item 3 in the cloud, on the emulators (as test/cloud/emulated-cloud.test.ts): a run A uploaded with
// claheClip 2; then the workflow started with {"reexportFrom": A, "config": {"claheClip": 3, "zarr": true}}.
// The new run lives under its own <run>/ prefix beside A (whose objects stay as they were), publishes no
// feature or match task, and its objects equal the local reexport's (`emingest reexport`) byte for byte.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Bucket } from "@google-cloud/storage";
import { firestoreClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { executionsClient } from "../../adapters/gcp/workflow-starter.js";
import { stagesRunBy } from "../../core/pipeline/stages.js";
import { createApp } from "../../cloud-runtime/app.js";
import { buildServiceDeps } from "../../cloud-runtime/service-deps.js";
import { runCli } from "../support/cli.js";
import { startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { startExecutionsShim, type ExecutionsShim } from "../cloud/support/executions-shim.js";
import { createUploadWorld, startIngestFunction, subscribePipeline, worldServiceConfig } from "../cloud/support/upload-world.js";
import { assertSameAsLocal, listen, localRun, makeStack, post, readBucketTree, runEnded, uploadFolder, waitFor, waitForExecution } from "../cloud/support/pipeline.js";

let emu: Emulators;
let work: string;
let shim: ExecutionsShim;
let out: Bucket;
const closers: Array<() => Promise<unknown>> = [];
const urls: { align: string; emwrite: string; fn: string } = { align: "", emwrite: "", fn: "" };
const published: string[] = [];

before(async () => {
  emu = await startEmulators(["pubsub", "firestore", "gcs", "workflows"]);
  work = mkdtempSync(path.join(tmpdir(), "emrxcloud-"));
  const world = await createUploadWorld(emu);
  out = world.out;
  closers.push(() => world.pubsub.close());
  const config = worldServiceConfig(emu);
  const serve = async (stages: string[]) => {
    const deps = buildServiceDeps(config, stages, () => undefined);
    const queue = deps.queue;
    // Every task a service publishes is counted, by run and id.
    const counted = {
      publish: (tasks: Parameters<typeof queue.publish>[0]) => {
        published.push(...tasks.map((t) => `${t.run} ${t.id}`));
        return queue.publish(tasks);
      },
    };
    const s = await listen(createApp({ ...deps, queue: counted }));
    closers.push(() => s.close());
    return s;
  };
  urls.align = (await serve(stagesRunBy("align"))).url;
  urls.emwrite = (await serve(stagesRunBy("emwrite"))).url;
  shim = await startExecutionsShim(emu.env.WORKFLOWS_EMULATOR_URL, emu.env.WORKFLOWS_EMULATOR_SOURCE);
  closers.push(() => shim.close());
  const fn = await startIngestFunction(emu, shim.url, urls);
  urls.fn = fn.url;
  closers.push(() => fn.close());
  await subscribePipeline(world, emu, urls);
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the workflow with reexportFrom writes the local reexport's bytes under the new run's prefix, with no feature or match task", { timeout: 600_000 }, async (t) => {
  const slices = path.join(work, "slices");
  await makeStack(slices, 4, 256, { cube: 64, claheClip: 2 });
  const local = path.join(work, "local");
  await localRun(slices, local);
  const reexported = await runCli(["reexport", local, "--clahe", "3", "--zarr", "--workers", "1"]);
  assert.equal(reexported.code, 0, reexported.stderr);

  const storage = storageClient(emu.config);
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const runs = new FirestoreRunStore(db);
  await uploadFolder(storage.bucket("emingest-src"), "stack-r/", slices, "ingest.json");
  const first = await waitFor("the upload's workflow execution", async () => shim.executions[0], 30_000);
  const from = JSON.parse(first.argument).run as string;
  assert.equal((await runEnded(runs, from, 180_000)).status, "done");
  await shim.settled();
  const before = await readBucketTree(out, `${from}/`);

  const client = executionsClient({ endpoint: shim.url });
  t.after(() => client.close());
  const parent = `projects/${emu.config.projectId}/locations/us-central1/workflows/ingest`;
  const data = { reexportFrom: from, config: { claheClip: 3, zarr: true }, alignUrl: urls.align, emwriteUrl: urls.emwrite, pollSeconds: 1 };
  const [created] = await client.createExecution({ parent, execution: { argument: JSON.stringify(data) } });
  const finished = await waitForExecution(client, created.name);
  assert.equal(finished.state, "SUCCEEDED", JSON.stringify(finished.error));
  const result = JSON.parse(finished.result ?? "{}") as { run: string; status: string };
  assert.equal(result.status, "done");
  assert.notEqual(result.run, from);

  await assertSameAsLocal(out, result.run, local);
  const after = await readBucketTree(out, `${from}/`);
  assert.deepEqual([...after.keys()], [...before.keys()], "the finished run's objects are all still there");
  assert.ok([...before].every(([k, bytes]) => after.get(k)?.equals(bytes)), "and unchanged");
  const ofNew = published.filter((p) => p.startsWith(`${result.run} `));
  assert.ok(ofNew.length > 0 && ofNew.every((p) => /^run-\S+ (render|pyramid)-/.test(p)), `the reexport published only render and pyramid tasks: ${ofNew.slice(0, 5).join(", ")}`);
  assert.equal((await runs.getRun(result.run))?.details.reexportFrom, from);
  // `emingest status` shows the new run done (the emulators' settings are in this process's environment).
  const status = await runCli(["status", result.run, "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const shown = JSON.parse(status.stdout) as { run: { run: string; status: string }; stages: Array<{ stage: string; done: number }> };
  assert.deepEqual([shown.run.run, shown.run.status], [result.run, "done"]);
  assert.equal(shown.stages.find((s) => s.stage === "render")?.done, 4);

  // The start step refuses an alignment setting by name (422, a permanent failure), and makes no run.
  const refused = await post(`${urls.align}/steps/start`, { reexportFrom: from, config: { align: { detector: "sift" } } });
  assert.equal(refused.status, 422);
  assert.match(String(refused.body.error), /^workflow argument "config": "align\.detector" is an alignment or input setting \("akaze" -> "sift"\)/);
  const notDone = await post(`${urls.align}/steps/start`, { reexportFrom: "run-000000000000", config: { claheClip: 1 } });
  assert.equal(notDone.status, 422);
  assert.equal(notDone.body.error, "reexportFrom: run run-000000000000 does not exist");
  const both = await post(`${urls.align}/steps/start`, { reexportFrom: from, source: "gs://emingest-src/stack-r" });
  assert.equal(both.status, 400, "source and reexportFrom together are not what the workflow sends");
});
