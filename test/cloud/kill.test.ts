// A service process killed mid-task (SIGKILL, no goodbye): Pub/Sub redelivers what it never answered, a new
// process on the same address takes over, and the run finishes with output identical to the local mode's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { firestoreClient, pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { executionsClient } from "../../adapters/gcp/workflow-starter.js";
import { stagesRunBy } from "../../core/pipeline/stages.js";
import { createApp } from "../../cloud-runtime/app.js";
import { buildServiceDeps, type ServiceConfig } from "../../cloud-runtime/service-deps.js";
import { startEmulators, type Emulators } from "./support/emulators.js";
import { startExecutionsShim, type ExecutionsShim } from "./support/executions-shim.js";
import { listen, localRun, makeStack, readBucketTree, readTree, uploadFolder, waitFor, waitForExecution, type Listening } from "./support/pipeline.js";
import { freePort } from "../support/free-port.js";
import { sameRunObject } from "../support/run-bytes.js";
import { serviceNodeArgs } from "../../cloud-runtime/node-flags.js";

let emu: Emulators;
let work: string;
let shim: ExecutionsShim;
let align: Listening;
const children = new Set<ChildProcess>();

/** services/emwrite as its own process, started the way Cloud Run starts it (its wiring file, env config). */
function startEmwrite(port: number, onLine: (line: Record<string, unknown>) => void): ChildProcess {
  const child = spawn(process.execPath, serviceNodeArgs("emwrite"), {
    env: {
      PATH: process.env.PATH,
      GOOGLE_CLOUD_PROJECT: emu.config.projectId,
      STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT,
      FIRESTORE_EMULATOR_HOST: emu.env.FIRESTORE_EMULATOR_HOST,
      PUBSUB_EMULATOR_HOST: emu.env.PUBSUB_EMULATOR_HOST,
      METADATA_SERVER_DETECTION: "none",
      SOURCE_BUCKETS: "kill-src",
      OUTPUT_BUCKET: "kill-out",
      PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let buffered = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) onLine(JSON.parse(line) as Record<string, unknown>);
  });
  return child;
}

before(async () => {
  emu = await startEmulators(["pubsub", "firestore", "gcs", "workflows"]);
  work = mkdtempSync(path.join(tmpdir(), "emkill-"));
});

after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await align?.close();
  await shim?.close();
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("emwrite killed mid-task: redelivery finishes the run, output identical to the local mode", async (t) => {
  const slices = path.join(work, "s");
  const local = path.join(work, "local");
  await makeStack(slices, 4, 200, { skipAlign: true, cube: 64 });
  await localRun(slices, local);
  const storage = storageClient(emu.config);
  const [src] = await storage.createBucket("kill-src");
  const [out] = await storage.createBucket("kill-out");
  await uploadFolder(src, "stack/", slices);

  const config: ServiceConfig = {
    gcp: emu.config,
    policy: { sourceBuckets: ["kill-src"], outputBucket: "kill-out" },
    topics: { align: "emingest-align", emwrite: "emingest-emwrite" },
    runsCollection: "runs",
    port: 0,
    host: "127.0.0.1",
  };
  align = await listen(createApp(buildServiceDeps(config, stagesRunBy("align"), () => undefined)));
  const port = await freePort();
  const emwriteUrl = `http://127.0.0.1:${port}`;
  let killed: string | undefined;
  const redelivered: string[] = [];
  const restarted = new Promise<void>((resolve) => {
    const first = startEmwrite(port, (line) => {
      const labels = line["logging.googleapis.com/labels"] as Record<string, string>;
      if (!killed && labels?.stage === "render" && String(line.message).endsWith("started")) {
        killed = labels.task;
        first.kill("SIGKILL");
        first.once("exit", () => {
          startEmwrite(port, (l) => {
            const again = l["logging.googleapis.com/labels"] as Record<string, string>;
            if (again?.task === killed) redelivered.push(String(l.message));
          });
          resolve();
        });
      }
    });
  });
  await waitFor("emwrite to listen", async () => (await fetch(`${emwriteUrl}/healthz`).then((r) => r.ok).catch(() => false)) || undefined, 20_000, 100);

  const pubsub = pubsubClient(emu.config);
  t.after(() => pubsub.close());
  const retryPolicy = { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } };
  for (const [name, url] of [["emingest-align", align.url], ["emingest-emwrite", emwriteUrl]] as const) {
    const [topic] = await pubsub.createTopic(name);
    await topic.createSubscription(`${name}-push`, { pushConfig: { pushEndpoint: `${url}/` }, ackDeadlineSeconds: 30, retryPolicy });
  }
  shim = await startExecutionsShim(emu.env.WORKFLOWS_EMULATOR_URL, emu.env.WORKFLOWS_EMULATOR_SOURCE);
  const client = executionsClient({ endpoint: shim.url });
  t.after(() => client.close());
  // The workflow's step calls go to the align instance (both services serve the steps): the Python
  // workflows emulator crashes on a refused connection instead of raising the retryable ConnectionError
  // that Cloud Workflows raises, and emwrite is down for a moment here. Tasks still reach emwrite by push.
  const data = { source: "gs://kill-src/stack", alignUrl: align.url, emwriteUrl: align.url, pollSeconds: 1 };
  const [created] = await client.createExecution({ parent: `projects/${emu.config.projectId}/locations/us-central1/workflows/ingest`, execution: { argument: JSON.stringify(data) } });
  await restarted;
  const finished = await waitForExecution(client, created.name);
  assert.equal(finished.state, "SUCCEEDED", JSON.stringify(finished.error));
  assert.ok(killed, "a render task was in flight when the process was killed");
  const run = (JSON.parse(finished.result ?? "{}") as { run: string }).run;
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const runs = new FirestoreRunStore(db);
  assert.deepEqual(await runs.countTasks(run, "render"), { done: 4, failed: 0 });
  assert.ok((await runs.getTask(run, killed))?.status === "done");
  assert.ok(redelivered.length > 0, `the new process got ${killed} again`);
  const cloud = await readBucketTree(out, `${run}/`);
  const reference = await readTree(local);
  assert.deepEqual([...cloud.keys()], [...reference.keys()]);
  for (const [key, bytes] of reference) assert.ok(sameRunObject(key, bytes, cloud.get(key)), `${key} differs from the local run`);
});
