// Issue 11 item 8, on the Firestore, GCS and Pub/Sub emulators: a message that is not one of its run's
// tasks (unknown or forged id, id and payload that disagree, z outside the run or not an integer, a stage that
// does not exist, a run that does not exist) is refused with a 4xx and never recorded, at /tasks and at
// /dead-letter, also through real push subscriptions; malformed step calls answer 4xx and leave the run as it
// was; path-like upload names are acknowledged and logged by name, and start nothing; the services listen on
// 127.0.0.1 unless on Cloud Run or told otherwise, and say in one line what configuration is missing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Firestore } from "@google-cloud/firestore";
import { ApiError } from "@google-cloud/storage";
import { pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { cloudFailureKind } from "../../adapters/gcp/failure-kind.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { GcsStore } from "../../adapters/gcp/gcs-store.js";
import { RunLocator } from "../../adapters/gcp/run-locations.js";
import { TriggerLedger } from "../../adapters/gcp/trigger-ledger.js";
import { LocalStageRunner } from "../../adapters/local/local-stage-runner.js";
import { openLocalState } from "../../adapters/local/local-state.js";
import { keys } from "../../core/pipeline/keys.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { STAGES } from "../../core/pipeline/stages.js";
import { PermanentError, RetryableError } from "../../core/errors.js";
import type { RunRecord } from "../../core/ports.js";
import { onUpload } from "../../functions/ingest/handler.js";
import { jsonLogger } from "../../cloud-runtime/log.js";
import { startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { envelope, localRun, makeStack, post, waitFor, type Listening } from "../cloud/support/pipeline.js";
import { fanOutAndPush, pipelineService, type PipelineService } from "../cloud/support/pipeline-service.js";
import { freePort } from "../support/free-port.js";
import { MemoryQueue } from "../support/memory-queue.js";
import { isStarted, startService } from "./support/service-process.js";

const NO_RUN = "run-000000000000";
const SLICES = 6;

let emu: Emulators;
let work: string;
let db: Firestore;
let runs: FirestoreRunStore;
let service: PipelineService;
let svc: Listening;
let run: string;
const logs: Array<Record<string, unknown>> = [];

before(async () => {
  emu = await startEmulators(["pubsub", "firestore", "gcs"]);
  work = mkdtempSync(path.join(tmpdir(), "empay-"));
  const slices = path.join(work, "slices");
  // 6 slices of 192 px align pair by pair: no bad slice, so no alignment policy refuses the plan.
  await makeStack(slices, SLICES, 192, { cube: 64 });
  const log = jsonLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>), "test");
  service = await pipelineService(emu, "pay", { slices, log, collection: "runs" });
  ({ svc, db, runs } = service);
  const started = await post(`${svc.url}/steps/start`, { source: "gs://pay-src/stack" });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  run = String(started.body.run);
});

after(async () => {
  await service?.close();
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The run as stored, without the time of its last update. */
async function runState(): Promise<Omit<RunRecord, "updatedAt">> {
  const { updatedAt: _updatedAt, ...rest } = (await runs.getRun(run))!;
  return rest;
}

async function noFailures(): Promise<void> {
  for (const stage of STAGES) assert.equal((await runs.countTasks(run, stage)).failed, 0, `no ${stage} task is recorded as failed`);
}

type Forged = [what: string, task: Record<string, unknown>, status: number];

/** Each forged task: refused with `status` at /tasks, acknowledged without a record at /dead-letter; the run unchanged. */
async function refuseAll(cases: Forged[]): Promise<void> {
  const before = await runState();
  for (const [what, task, status] of cases) {
    const reply = await post(svc.url, envelope(task));
    assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.body)}`);
    if (status === 422) assert.equal(reply.body.status, "refused", what);
    const dead = await post(`${svc.url}/dead-letter`, envelope(task));
    assert.equal(dead.status, 200, `${what} at the dead letter: ${JSON.stringify(dead.body)}`);
    assert.ok(dead.body.status === "refused" || dead.body.status === "not-a-task", `${what} at the dead letter: ${JSON.stringify(dead.body)}`);
    const owner = typeof task.run === "string" && /^run-[0-9a-f]{12}$/.test(task.run) ? task.run : run;
    if (typeof task.id === "string" && !task.id.includes("/")) assert.equal(await runs.getTask(owner, task.id), undefined, `${what}: nothing recorded`);
  }
  assert.deepEqual(await runState(), before, "the run is unchanged");
  await noFailures();
}

test("forged tasks before the plan: refused (4xx), never recorded, the run unchanged", async () => {
  const t = (id: string, fields: Record<string, unknown>) => ({ id, run, ...fields });
  await refuseAll([
    ["an unknown id", t("frobnicate-1", { stage: "features", z: 1 }), 422],
    ["an id that does not match its z", t("features-1", { stage: "features", z: 2 }), 422],
    ["a z that is a path", t("features-1", { stage: "features", z: "../../x" }), 422],
    ["an id that is a path", t("features-../../x", { stage: "features", z: "../../x" }), 400],
    ["a z that is not an integer", t("features-1.5", { stage: "features", z: 1.5 }), 422],
    ["a z outside the run", t("features-1000000000", { stage: "features", z: 1e9 }), 422],
    ["a negative z", t("features--1", { stage: "features", z: -1 }), 422],
    ["a z in exponent form", t("features-1e0", { stage: "features", z: 1 }), 422],
    ["a stage that does not exist", t("warp-1", { stage: "warp", z: 1 }), 422],
    ["a stage that is not the id's", t("render-1", { stage: "features", z: 1 }), 422],
    ["an extra field", t("features-1", { stage: "features", z: 1, source: "gs://elsewhere/x.png" }), 422],
    ["the first slice's align pair", t("align-0", { stage: "align", z: 0 }), 422],
    ["a render task before the plan", t("render-1", { stage: "render", z: 1 }), 422],
    ["a pyramid task before the plan", t("pyramid-0_0_0", { stage: "pyramid", cube: [0, 0, 0] }), 422],
    ["a run that does not exist", { id: "features-1", run: NO_RUN, stage: "features", z: 1 }, 422],
    ["a run id that is a path", { id: "features-1", run: "../runs", stage: "features", z: 1 }, 400],
  ]);
  assert.equal((await db.collection("runs").doc(NO_RUN).collection("tasks").get()).size, 0, "nothing under the run that does not exist");
});

test("real tasks still run; forged ones after the plan are refused (a bridge over a pair that did not fail, a cube outside the grid)", async () => {
  await fanOutAndPush(service, run, "features");
  await fanOutAndPush(service, run, "align");
  const pairs = await runs.listTasks(run, "align");
  assert.equal(pairs.length, SLICES - 1);
  const ok = new Set(pairs.filter((p) => (p.outcome as { ok?: boolean }).ok === true).map((p) => p.id));
  assert.equal(ok.size, SLICES - 1, "every pair aligned");
  const z = 3;
  const planned = await post(`${svc.url}/steps/plan`, { run });
  assert.equal(planned.status, 200, JSON.stringify(planned.body));
  await refuseAll([
    ["a bridge over a pair that aligned", { id: `bridge-${z - 2}-${z}`, run, stage: "bridge", from: z - 2, z }, 422],
    ["a bridge id in the old form", { id: `bridge-${z}`, run, stage: "bridge", z }, 422],
    ["a bridge that spans no slice", { id: `bridge-${z - 1}-${z}`, run, stage: "bridge", from: z - 1, z }, 422],
    ["a cube outside the grid", { id: "pyramid-9_0_0", run, stage: "pyramid", cube: [9, 0, 0] }, 422],
    ["a cube given as text", { id: "pyramid-0_0_0", run, stage: "pyramid", cube: "0,0,0" }, 422],
    ["a render task past the last slice", { id: `render-${SLICES}`, run, stage: "render", z: SLICES }, 422],
  ]);
  const real = await post(svc.url, envelope({ id: "render-1", run, stage: "render", z: 1 }));
  assert.equal(real.body.status, "done", JSON.stringify(real.body));
});

test("malformed step calls answer 4xx and never change the run's status", async () => {
  const before = await runState();
  const calls: Array<[string, unknown, number]> = [
    ["/steps/fanout", { run, stage: "bogus" }, 400],
    ["/steps/fanout", { run }, 400],
    ["/steps/fanout", { run, stage: 5 }, 400],
    ["/steps/fanout", { run, stage: "render", extra: 1 }, 400],
    ["/steps/fanout", { run: "../x", stage: "render" }, 400],
    ["/steps/fanout", [run, "render"], 400],
    ["/steps/fanout", { run: NO_RUN, stage: "render" }, 404],
    ["/steps/plan", { run: NO_RUN }, 404],
    ["/steps/status", { run, stage: "bogus" }, 400],
    ["/steps/finalize", { run, keepTmp: "yes" }, 400],
    ["/steps/fail", {}, 400],
    ["/steps/start", {}, 400],
  ];
  for (const [route, body, status] of calls) {
    const reply = await post(`${svc.url}${route}`, body);
    assert.equal(reply.status, status, `${route} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
  }
  const raw = await fetch(`${svc.url}/steps/fanout`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
  assert.equal(raw.status, 400);
  assert.deepEqual(await runState(), before, "the run is unchanged");
  assert.equal((await runs.getRun(run))?.details.error, undefined);
  assert.equal((await runs.getRun(NO_RUN)), undefined, "no run was created");
});

test("through real push subscriptions: a forged task is refused on every delivery, then acknowledged at the dead letter, never recorded", async (t) => {
  const pubsub = pubsubClient(emu.config);
  t.after(() => pubsub.close());
  const [topic] = await pubsub.createTopic("pay-tasks");
  const [dead] = await pubsub.createTopic("pay-dead");
  await dead.createSubscription("pay-dead-push", { pushConfig: { pushEndpoint: `${svc.url}/dead-letter` } });
  await topic.createSubscription("pay-tasks-push", {
    pushConfig: { pushEndpoint: `${svc.url}/` },
    deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 },
    retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 1 } },
    ackDeadlineSeconds: 10,
  });
  const forged = { id: "features-2", run, stage: "features", z: 3 };
  const before = await runState();
  const featuresBefore = await runs.getTask(run, "features-2");
  await topic.publishMessage({ json: forged });
  const acknowledged = await waitFor(
    "the dead letter's acknowledgement",
    async () => logs.find((l) => String(l.message).includes("is not a task of run") && (l["logging.googleapis.com/labels"] as Record<string, string>).task === "features-2"),
    60_000,
  );
  assert.match(String(acknowledged.message), /"z" is 3, the id says 2/);
  const refusals = logs.filter((l) => String(l.message).startsWith("task features-2 refused"));
  assert.equal(refusals.length, 5, "refused on each of the 5 delivery attempts");
  assert.deepEqual(await runs.getTask(run, "features-2"), featuresBefore, "the real features-2 record is untouched");
  assert.deepEqual(await runState(), before);
  await noFailures();
});

test("the upload function: path-like config names are acknowledged, logged by name, and start nothing", async () => {
  const storage = storageClient(emu.config);
  const locator = new RunLocator(storage, runs, { sourceBuckets: ["pay-src"], outputBucket: "pay-out" });
  const started: unknown[] = [];
  const lines: Array<{ severity: string; message: string }> = [];
  const deps = {
    runs,
    locator,
    queue: new MemoryQueue(),
    ledger: new TriggerLedger(db, "pay-triggers"),
    startWorkflow: async (argument: Record<string, unknown>) => {
      started.push(argument);
      return "execution";
    },
    log: (severity: string, message: string) => void lines.push({ severity, message }),
  };
  const runsBefore = (await db.collection("runs").get()).size;
  const names = ["a//ingest.json", "x/../ingest.json", "/lead/ingest.json", "./ingest.json", "a/./ingest.json", "a\u0001b/ingest.json", "stack//ingest.json"];
  for (const name of names) {
    const outcome = await onUpload({ bucket: "pay-src", name, generation: "1" }, deps);
    assert.equal(outcome.result, "rejected", name);
    assert.ok(lines.some((l) => l.severity === "ERROR" && l.message.includes(JSON.stringify(name))), `${JSON.stringify(name)} is named in the log:\n${lines.map((l) => l.message).join("\n")}`);
  }
  assert.deepEqual(started, [], "no workflow started");
  assert.equal((await db.collection("runs").get()).size, runsBefore, "no run created");
  assert.equal((await db.collection("pay-triggers").get()).size, 0, "nothing recorded for them");
});

test("the services listen on 127.0.0.1 unless on Cloud Run (K_SERVICE) or told otherwise (HOST); configuration problems are one line", async () => {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, GOOGLE_CLOUD_PROJECT: "p", SOURCE_BUCKETS: "pay-src", OUTPUT_BUCKET: "pay-out", PORT: "0" };
  for (const name of ["align", "emwrite"] as const) {
    const plain = await startService(name, base);
    assert.ok(isStarted(plain), JSON.stringify(plain));
    assert.equal(plain.address, "127.0.0.1");
    assert.equal((await fetch(`http://127.0.0.1:${plain.port}/healthz`)).status, 200);
    assert.equal(await plain.stop(), 0);

    const missing = await startService(name, { PATH: process.env.PATH });
    assert.ok(!isStarted(missing));
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `${name}: not started: GOOGLE_CLOUD_PROJECT, SOURCE_BUCKETS and OUTPUT_BUCKET are not set\n`);
  }
  const cloudRun = await startService("align", { ...base, K_SERVICE: "align" });
  assert.ok(isStarted(cloudRun));
  assert.equal(cloudRun.address, "0.0.0.0");
  await cloudRun.stop();
  const told = await startService("align", { ...base, K_SERVICE: "align", HOST: "127.0.0.1" });
  assert.ok(isStarted(told));
  assert.equal(told.address, "127.0.0.1");
  await told.stop();

  const badPort = await startService("align", { ...base, PORT: "80a" });
  assert.ok(!isStarted(badPort));
  assert.equal(badPort.stderr, 'align: not started: PORT must be a port number from 0 to 65535, got "80a"\n');
  const holder = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
  try {
    const taken = await startService("emwrite", { ...base, PORT: String(port) });
    assert.ok(!isStarted(taken));
    assert.equal(taken.code, 1);
    assert.equal(taken.stderr, `emwrite: not started: 127.0.0.1:${port}: the address is already in use (another program listens there) (EADDRINUSE)\n`);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});

test("deterministic failures are permanent, transient ones retryable (errors from the emulators and the clients' own shapes)", async () => {
  const storage = storageClient(emu.config);
  const missingBucket = await storage.bucket("pay-no-such-bucket").file("x").download().then(() => undefined, (e: unknown) => e);
  const pubsub = pubsubClient(emu.config);
  const missingTopic = await pubsub.topic("pay-no-such-topic").publishMessage({ data: Buffer.from("x") }).then(() => undefined, (e: unknown) => e);
  await pubsub.close();
  const badKey = await new GcsStore(storage.bucket("pay-out")).get("../escape").then(() => undefined, (e: unknown) => e);
  const api = (code: number, reason?: string) => Object.assign(new ApiError(`status ${code}`), { code, errors: reason ? [{ reason, message: reason }] : [] });
  const grpc = (code: number) => Object.assign(new Error(`${code} grpc`), { code, details: "details", metadata: {} });
  const table: Array<[string, unknown, "permanent" | "retryable"]> = [
    ["GCS: a bucket that does not exist (fake-gcs-server)", missingBucket, "permanent"],
    ["Pub/Sub: a topic that does not exist (emulator, NOT_FOUND)", missingTopic, "permanent"],
    ["an object key that is a path (RangeError)", badKey, "permanent"],
    ["core PermanentError", new PermanentError("slice 3: corrupt PNG"), "permanent"],
    ["core RetryableError", new RetryableError("listing lags"), "retryable"],
    ["HTTP 403 forbidden", api(403, "forbidden"), "permanent"],
    ["HTTP 400", api(400, "invalid"), "permanent"],
    ["HTTP 403 rate limit", api(403, "userRateLimitExceeded"), "retryable"],
    ["HTTP 401 (a token to refresh)", api(401, "authError"), "retryable"],
    ["HTTP 429", api(429, "rateLimitExceeded"), "retryable"],
    ["HTTP 503", api(503), "retryable"],
    ["gRPC INVALID_ARGUMENT", grpc(3), "permanent"],
    ["gRPC PERMISSION_DENIED", grpc(7), "permanent"],
    ["gRPC FAILED_PRECONDITION", grpc(9), "permanent"],
    ["gRPC ABORTED (a contended transaction)", grpc(10), "retryable"],
    ["gRPC UNAVAILABLE", grpc(14), "retryable"],
    ["gRPC DEADLINE_EXCEEDED", grpc(4), "retryable"],
    ["a socket reset", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "retryable"],
  ];
  for (const [what, error, kind] of table) {
    assert.ok(error instanceof Error, `${what}: an error was thrown`);
    assert.equal(cloudFailureKind(error), kind, what);
  }
});

test("locally too: a task the run did not plan is refused by the worker and never recorded", async (t) => {
  const slices = path.join(work, "local-slices");
  const out = path.join(work, "local-out");
  await makeStack(slices, 3, 96, { skipAlign: true, cube: 64 });
  await localRun(slices, out);
  const id = (JSON.parse(readFileSync(path.join(out, keys.manifest), "utf8")) as { run: string }).run;
  const state = await openLocalState(out, out);
  const runner = new LocalStageRunner({ runs: state.runs, progress: silentProgress, workers: 1, workerData: { sourceDir: slices, outDir: out, sourceName: "local-slices" } });
  t.after(async () => {
    await runner.close();
    await state.close();
  });
  const forged = [
    { id: "render-1000000000", run: id, stage: "render", z: 1e9 },
    { id: "render-7", run: id, stage: "render", z: 1 },
    { id: "features-0", run: id, stage: "features", z: 0 },
  ];
  await assert.rejects(runner.runStage("render", forged), /3 render task\(s\) are not tasks of their run, nothing recorded for them/);
  for (const task of forged) assert.equal(await state.runs.getTask(id, task.id), undefined, task.id);
  assert.deepEqual(await state.runs.countTasks(id, "render"), { done: 3, failed: 0 });
  assert.equal((await state.runs.getRun(id))?.status, "done");
});
