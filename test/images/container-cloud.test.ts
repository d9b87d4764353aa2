// The emulated cloud on the real images: services/align and services/emwrite run as containers of the
// images scripts/images.sh builds (host network, configured by environment exactly as Cloud Run configures
// them), behind the Pub/Sub emulator's push subscriptions and the workflow (workflows-yaml/ingest.yaml on
// the workflows emulator); the upload function runs under the Functions Framework. The output must equal
// the local CLI's byte for byte, also after an emwrite container is killed mid-task (docker kill) and
// Pub/Sub redelivers to its replacement.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Bucket, Storage } from "@google-cloud/storage";
import { firestoreClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { executionsClient } from "../../adapters/gcp/workflow-starter.js";
import { startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { startExecutionsShim, type ExecutionsShim } from "../cloud/support/executions-shim.js";
import { createUploadWorld, startIngestFunction, subscribePipeline } from "../cloud/support/upload-world.js";
import { localRun, makeStack, assertSameAsLocal, runEnded, uploadFolder, waitFor, waitForExecution } from "../cloud/support/pipeline.js";
import { cleanUp, freePort, startDocker, waitHealthy, type Container, type Docker, type ImageName } from "./support/docker.js";
import { startHoldProxy, type HoldProxy } from "./support/hold-proxy.js";

let docker: Docker;
let refs: Record<ImageName, string>;
let emu: Emulators;
let work: string;
let shim: ExecutionsShim;
let storage: Storage;
let out: Bucket;
let runs: FirestoreRunStore;
let proxy: HoldProxy;
const closers: Array<() => Promise<unknown>> = [];
const ports = { align: 0, emwrite: 0 };
const url = (service: "align" | "emwrite") => `http://127.0.0.1:${ports[service]}`;

/** A service container configured as terraform/services.tf configures the Cloud Run service (emwrite
 * reaches the bucket through the proxy that can hold an upload). */
async function startService(service: "align" | "emwrite", onLine?: (line: Record<string, unknown>) => void): Promise<Container> {
  const c = await docker.start(refs[service], {
    network: "host",
    env: {
      GOOGLE_CLOUD_PROJECT: emu.config.projectId,
      STORAGE_API_ENDPOINT: service === "emwrite" ? proxy.url : emu.env.STORAGE_API_ENDPOINT,
      FIRESTORE_EMULATOR_HOST: emu.env.FIRESTORE_EMULATOR_HOST,
      PUBSUB_EMULATOR_HOST: emu.env.PUBSUB_EMULATOR_HOST,
      METADATA_SERVER_DETECTION: "none",
      SOURCE_BUCKETS: "emingest-src,emingest-src2",
      OUTPUT_BUCKET: "emingest-out",
      ALIGN_TOPIC: "emingest-align",
      EMWRITE_TOPIC: "emingest-emwrite",
      RUNS_COLLECTION: "runs",
      PORT: String(ports[service]),
      HOST: "127.0.0.1",
    },
    onLine: (line) => {
      if (onLine && line.startsWith("{")) onLine(JSON.parse(line) as Record<string, unknown>);
    },
  });
  await waitHealthy(`${url(service)}/healthz`, c);
  return c;
}

const labels = (line: Record<string, unknown>) => (line["logging.googleapis.com/labels"] ?? {}) as Record<string, string>;

let emwrite: Container;
const emwriteLines: Record<string, unknown>[] = [];

before(async () => {
  docker = await startDocker();
  [refs, emu] = await Promise.all([docker.build(["align", "emwrite"]), startEmulators(["pubsub", "firestore", "gcs", "workflows"])]);
  work = mkdtempSync(path.join(tmpdir(), "emcontainers-"));
  proxy = await startHoldProxy(emu.env.STORAGE_API_ENDPOINT);
  closers.push(() => proxy.close());
  const world = await createUploadWorld(emu);
  ({ storage, out } = world);
  closers.push(() => world.pubsub.close());
  const db = firestoreClient(emu.config);
  closers.push(() => db.terminate());
  runs = new FirestoreRunStore(db);

  ports.align = await freePort();
  ports.emwrite = await freePort();
  await startService("align");
  emwrite = await startService("emwrite", (l) => emwriteLines.push(l));
  shim = await startExecutionsShim(emu.env.WORKFLOWS_EMULATOR_URL, emu.env.WORKFLOWS_EMULATOR_SOURCE);
  closers.push(() => shim.close());

  const fn = await startIngestFunction(emu, shim.url, { align: url("align"), emwrite: url("emwrite") });
  closers.push(() => fn.close());
  await subscribePipeline(world, emu, { fn: fn.url, align: url("align"), emwrite: url("emwrite") }, { align: 60, emwrite: 30 });
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await cleanUp(docker?.stop, emu?.stop, () => work && rmSync(work, { recursive: true, force: true }));
});


test("upload slices + ingest.json: the function, Pub/Sub, the workflow and the service containers finish the run; output byte-identical to the local CLI", async (t) => {
  const slices = path.join(work, "a");
  const local = path.join(work, "a-local");
  await makeStack(slices, 4, 256, { cube: 64 });
  await localRun(slices, local);
  await uploadFolder(storage.bucket("emingest-src"), "stack-a/", slices, "ingest.json");
  const execution = await waitFor("the workflow execution", async () => shim.executions[0], 60_000);
  const run = JSON.parse(execution.argument).run as string;
  const record = await runEnded(runs, run, 300_000);
  assert.equal(record.status, "done", JSON.stringify(record.details));
  await shim.settled();
  assert.equal(shim.executions[0].state, "SUCCEEDED", JSON.stringify(shim.executions[0].error));
  const objects = await assertSameAsLocal(out, run, local);
  assert.deepEqual(await runs.countTasks(run, "align"), { done: 3, failed: 0 });
  assert.deepEqual(await runs.countTasks(run, "render"), { done: 4, failed: 0 });
  assert.ok(emwriteLines.some((l) => labels(l).run === run), "the emwrite container did the run's work");
  t.diagnostic(`${objects} objects identical to the local run`);
});

test("docker kill of the emwrite container mid-render: Pub/Sub redelivers to a new container, the volume is identical", async (t) => {
  const slices = path.join(work, "b");
  const local = path.join(work, "b-local");
  await makeStack(slices, 4, 200, { skipAlign: true, cube: 64 });
  await localRun(slices, local);
  await uploadFolder(storage.bucket("emingest-src2"), "stack-b/", slices);

  // emwrite's first upload of this run (a rendered tile) is held: its task cannot finish before the kill.
  const first = emwrite;
  const earlier = first.lines.length;
  const held = proxy.holdNextUpload();
  const client = executionsClient({ endpoint: shim.url });
  t.after(() => client.close());
  // The workflow's step calls go to align (both services serve them): the Python workflows emulator crashes
  // on a refused connection, where Cloud Workflows would retry, and emwrite is down for a moment here.
  const data = { source: "gs://emingest-src2/stack-b", alignUrl: url("align"), emwriteUrl: url("align"), pollSeconds: 1 };
  const parent = `projects/${emu.config.projectId}/locations/us-central1/workflows/ingest`;
  const [created] = await client.createExecution({ parent, execution: { argument: JSON.stringify(data) } });
  await held;
  // SIGKILL, as when an instance dies: no response, no goodbye. Pub/Sub redelivers what it never answered.
  await docker.cli(["kill", first.id]);
  await first.exited;
  assert.equal(await docker.cli(["inspect", "-f", "{{.State.ExitCode}}", first.id]), "137", "the container died of SIGKILL");
  const events = first.lines.slice(earlier).filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  const began = (verb: string) => new Set(events.filter((e) => String(e.message).endsWith(verb)).map((e) => labels(e).task));
  const finishedThere = began(" done");
  const inFlight = [...began(" started")].filter((task) => task.startsWith("render") && !finishedThere.has(task));
  assert.ok(inFlight.length > 0, `a render task was in flight when the container was killed:\n${first.lines.join("\n")}`);
  // A task whose completion reached Firestore just before the kill (its " done" line did not) is not run again.
  const killedRun = events.map((e) => labels(e).run).find((r) => r !== undefined);
  assert.ok(killedRun, "the killed container logged its run");
  const recordedBeforeRestart = new Set<string>();
  for (const task of inFlight) if ((await runs.getTask(killedRun, task))?.status === "done") recordedBeforeRestart.add(task);
  const redelivered = new Set<string>();
  emwrite = await startService("emwrite", (l) => {
    if (inFlight.includes(labels(l).task) && String(l.message).endsWith(" started")) redelivered.add(labels(l).task);
  });

  const finished = await waitForExecution(client, created.name);
  assert.equal(finished.state, "SUCCEEDED", JSON.stringify(finished.error));
  const run = (JSON.parse(finished.result ?? "{}") as { run: string }).run;
  assert.deepEqual(await runs.countTasks(run, "render"), { done: 4, failed: 0 });
  for (const task of inFlight) assert.equal((await runs.getTask(run, task))?.status, "done", task);
  assert.ok(recordedBeforeRestart.size < inFlight.length, "at least one task was cut off by the kill");
  const cutOff = inFlight.filter((task) => !recordedBeforeRestart.has(task));
  assert.deepEqual([...redelivered].sort(), cutOff.sort(), "the new container got every task the killed one had not finished");
  const objects = await assertSameAsLocal(out, run, local);
  t.diagnostic(`killed during ${inFlight.join(", ")}; ${objects} objects identical to the local run`);
});
