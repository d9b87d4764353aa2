// Pull delivery on the emulators, wired as services/fiji/server.ts wires it (fijiConfigFromEnv with
// FIJI_PULL_SUBSCRIPTION, one JobSlots for HTTP and pull, startFijiPull) and as terraform/pubsub.tf deploys it
// with fiji_delivery = "pull": a subscription with no push endpoint, a dead-letter policy and a retry policy.
// Its ack deadline is 10 s (the minimum), and a REAL ImageJ job waits 25 s: only the lease extension keeps
// Pub/Sub from delivering it again while it runs. The sandbox reports each start of a command, before it runs
// (a job may write nowhere that outlives it), so "once" is counted below the service's own bookkeeping. Then a permanent failure (acked once) and a retryable one
// (nacked, delivered again, done), and a stop: the running job finishes, the one not started goes elsewhere.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { gcsBucketIO } from "../../adapters/gcp/gcs-bucket-io.js";
import { startPullSubscriber, type PullSubscriber } from "../../adapters/gcp/pubsub-pull.js";
import { ProcessSandbox } from "../../adapters/process/fiji-sandbox.js";
import { RetryableError } from "../../core/errors.js";
import { fijiTaskRouter, planFijiBatch } from "../../core/fiji/batch.js";
import { downsampleImageFile } from "../../core/fiji/downsample.js";
import type { FijiPolicy } from "../../core/fiji/request.js";
import type { TaskMessage } from "../../core/ports.js";
import { createFijiApp } from "../../services/fiji/app.js";
import { fijiConfigFromEnv, type FijiServiceConfig } from "../../services/fiji/config.js";
import { JobSlots } from "../../services/fiji/job-slots.js";
import { startFijiPull } from "../../services/fiji/pull.js";
import { jsonLogger } from "../../cloud-runtime/log.js";
import type { Emulators } from "../cloud/support/emulators.js";
import { fijiBatchCli, isInverted, startBatchWorld, taskSubscriptions, waitFor, type BatchWorld } from "./support/batch-emulators.js";
import { imagejPaths, JOB_USER, listen } from "./support/imagej.js";
import { observedSandbox } from "./support/scratch-fakes.js";

const BUCKET = "fiji-pull-data";
const TOPIC = "emingest-fiji";
const COLLECTION = "runs-fiji-pull";
/** The subscription's own ack deadline: Pub/Sub's minimum, far shorter than the long job. */
const ACK_DEADLINE_SECONDS = 10;
const LONG_JOB_MS = 25_000;

let world: BatchWorld | undefined;
let emu: Emulators;
let storage: Storage;
let pubsub: PubSub;
let runs: FirestoreRunStore;
let jar: string;
let scratch: string;
let work: string;
/** The job name (the macro's first line) of every command a sandbox started. */
const started: string[] = [];
let server: Server | undefined;
let input: Buffer;
let config: FijiServiceConfig;
let subscription: string;
const pullers: PullSubscriber[] = [];
/** "<instance> <task id>" for every delivery that reached a router. */
const executed: string[] = [];
const logs: Array<{ severity: string; message: string; [field: string]: unknown }> = [];
let deadLetterPushes = 0;
/** Task ids whose first execution fails as a store outage would (RetryableError). */
const flaky = new Set<string>();

before(async () => {
  world = await startBatchWorld(BUCKET, COLLECTION, [19, 13, 7]);
  ({ emu, storage, pubsub, runs, jar, scratch, work, input } = world);

  // The dead-letter topic is still pushed to the service's /dead-letter in pull mode (terraform/pubsub.tf).
  const { app } = instance("http");
  server = createServer((req, res) => {
    if (req.url?.startsWith("/dead-letter")) deadLetterPushes += 1;
    app(req, res);
  });
  ({ subscription } = await taskSubscriptions(pubsub, TOPIC, await listen(server), { pull: { ackDeadlineSeconds: ACK_DEADLINE_SECONDS } }));
  config = fijiConfigFromEnv({
    FIJI_BUCKETS: BUCKET,
    FIJI_EXECUTABLES: "java=/usr/bin/java",
    FIJI_RUN_AS: `${JOB_USER.uid}:${JOB_USER.gid}`,
    FIJI_MAX_JOBS: "2",
    FIJI_TIMEOUT_SECONDS: "120",
    FIJI_PULL_SUBSCRIPTION: subscription,
  });
});

after(async () => {
  await Promise.all(pullers.map((p) => p.stop(0)));
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await world?.close();
});

/** One service instance as server.ts builds it: its job slots, its app, its pull handler; `name` tags executions. */
function instance(name: string, maxJobs = 2) {
  const job = {
    io: gcsBucketIO(storage),
    sandbox: observedSandbox(new ProcessSandbox({ root: scratch, runAs: JOB_USER, timeoutMs: 120_000, javaHeapMb: 256, xvfb: true, readOnlyPaths: imagejPaths(jar) }), (inputs) =>
      started.push(/^\/\/ job (\S+)/.exec(inputs.get("macro.ijm") ?? "")?.[1] ?? "?"),
    ),
    downsample: downsampleImageFile,
  };
  const router = fijiTaskRouter(job, policy);
  const log = jsonLogger((line) => logs.push(JSON.parse(line) as { severity: string; message: string }), `fiji-${name}`);
  const routerFor = async () => async (task: TaskMessage) => {
    executed.push(`${name} ${task.id}`);
    if (flaky.delete(task.id)) throw new RetryableError(`writing ${task.id}'s record: the store is unavailable (injected)`);
    return router(task);
  };
  const slots = new JobSlots(maxJobs);
  const batch = { runs, routerFor, log };
  const app = createFijiApp({ ...job, policy, maxJobs, slots, log, batch: { runs, routerFor } });
  return {
    app,
    pull: () => {
      const puller = startFijiPull(pubsub, config.pull!, { batch, slots, log });
      pullers.push(puller);
      return puller;
    },
  };
}

const policy: FijiPolicy = { buckets: [BUCKET], executables: { java: "/usr/bin/java" } };
const ij = () => `java -Djava.awt.headless=false -jar ${jar} -batch macro.ijm`;

/** Named on its first line, waits, then writes out.png (in.png inverted). */
function macro(name: string, waitMs: number): string {
  return [
    `// job ${name}`,
    `wait(${waitMs});`,
    'open("in.png");',
    'run("Invert");',
    'saveAs("PNG", getDirectory("current") + "out.png");',
    "",
  ].join("\n");
}

function invertJob(name: string, waitMs: number) {
  return {
    command: ij(),
    "input-str": { "macro.ijm": macro(name, waitMs) },
    "input-map": { "in.png": `gs://${BUCKET}/in/z0.png` },
    "output-map": { "out.png": `gs://${BUCKET}/out/${name}.png` },
  };
}

function starts(name: string): number {
  return started.filter((n) => n === name).length;
}

const cli = (args: string[]) => fijiBatchCli(emu.config, TOPIC, COLLECTION)(args);

async function submit(name: string, file: unknown): Promise<{ run: string; published: string[] }> {
  const jobFile = path.join(work, `${name}.json`);
  writeFileSync(jobFile, JSON.stringify(file));
  const { code, out } = await cli([jobFile]);
  assert.equal(code, 0, out);
  return JSON.parse(out) as { run: string; published: string[] };
}

async function settled(run: string, ms = 120_000) {
  return waitFor(
    `run ${run} to settle`,
    async () => {
      const r = await runs.getRun(run);
      return r && r.status !== "running" ? r : undefined;
    },
    ms,
  );
}

const count = (entry: string) => executed.filter((e) => e === entry || e.endsWith(` ${entry}`)).length;

async function output(name: string): Promise<Buffer> {
  return (await storage.bucket(BUCKET).file(`out/${name}.png`).download())[0];
}

test("a pulled job that runs 2.5x the ack deadline runs once; a permanent failure is acked once; a retryable one is nacked, delivered again and done", async () => {
  instance("a").pull();
  const file = {
    run: "pull-batch",
    jobs: [
      invertJob("long", LONG_JOB_MS),
      { command: ij(), "input-str": { "macro.ijm": 'open("absent.png");\n' }, "output-map": { "x.png": `gs://${BUCKET}/out/x.png` } },
      invertJob("flaky", 0),
    ],
  };
  const [long, broken, retried] = planFijiBatch(file, policy).tasks.map((t) => t.id);
  flaky.add(retried);
  const batch = await submit("batch", file);
  assert.deepEqual(batch.published, [long, broken, retried]);
  const run = await settled(batch.run);
  assert.equal(run.status, "failed");
  assert.equal(run.details.error, "1 of 3 fiji task(s) failed");
  assert.deepEqual(await runs.countTasks(batch.run, "fiji"), { done: 2, failed: 1 });

  // The long job: started once by ImageJ, recorded done once on its first delivery, its output in the bucket.
  assert.equal(starts("long"), 1, "ImageJ started the long job exactly once");
  assert.equal(count(long), 1);
  const done = await runs.getTask(batch.run, long);
  assert.equal(done?.status, "done");
  assert.equal(done?.attempts, 1);
  const outcome = done?.outcome as { durationMs: number; outputs: Record<string, { url: string; bytes: number }> };
  assert.ok(outcome.durationMs >= LONG_JOB_MS, `the job ran ${outcome.durationMs} ms, past ${ACK_DEADLINE_SECONDS} s ack deadlines`);
  const out = await output("long");
  assert.deepEqual(outcome.outputs, { "out.png": { url: `gs://${BUCKET}/out/long.png`, bytes: out.length } });
  assert.ok(await isInverted(input, out), "out.png is in.png inverted");

  // The failing macro: run once, recorded failed on its first delivery, acknowledged.
  assert.equal(count(broken), 1);
  const failed = await runs.getTask(batch.run, broken);
  assert.equal(failed?.status, "failed");
  assert.equal(failed?.attempts, 1);
  assert.match(failed?.error ?? "", /did not write x\.png/);

  // The retryable failure: nacked, delivered again (the delivery attempt says so), done the second time.
  assert.equal(count(retried), 2);
  const second = await runs.getTask(batch.run, retried);
  assert.equal(second?.status, "done");
  assert.equal(second?.attempts, 2);
  assert.equal(starts("flaky"), 1, "the first delivery failed before ImageJ ran");
  assert.ok(await isInverted(input, await output("flaky")));
  assert.ok(logs.some((l) => l.severity === "WARNING" && /will be retried: .*store is unavailable \(injected\)/.test(l.message)));

  // Well past the 1 s backoff: nothing is delivered again (a lapsed lease would have shown as a second start
  // of the long job while it ran), nothing dead-lettered.
  const before = executed.length;
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(executed.length, before, "no delivery after the run settled");
  assert.equal(starts("long"), 1);
  assert.equal(deadLetterPushes, 0, "nothing was dead-lettered");
  assert.deepEqual(readdirSync(scratch), [], "every scratch directory is removed");
});

test("stop: the running job finishes and is acked within the grace; one not started is nacked and runs on the next instance", async () => {
  // The first test's instance stops with nothing running: at once.
  const t0 = Date.now();
  await Promise.all(pullers.splice(0).map((p) => p.stop(5_000)));
  assert.ok(Date.now() - t0 < 2_000, `an idle stop took ${Date.now() - t0} ms`);

  const first = instance("first", 1).pull();
  const running = await submit("stop-running", { run: "pull-stop-running", jobs: [invertJob("stop-running", 2_000)] });
  await waitFor("the first instance to start the job", async () => (count(`first ${running.published[0]}`) > 0 ? true : undefined), 30_000);
  const queued = await submit("stop-queued", { run: "pull-stop-queued", jobs: [invertJob("stop-queued", 0)] });
  // Time for the first instance's client to receive it and hold it, leased, behind the running job.
  await new Promise((r) => setTimeout(r, 1_000));
  const stopping = Date.now();
  await first.stop(10_000);
  assert.ok(Date.now() - stopping <= 11_500, `stop took ${Date.now() - stopping} ms, past its grace`);
  const done = await runs.getTask(running.run, running.published[0]);
  assert.equal(done?.status, "done", "the running job finished within the grace and was recorded");
  assert.equal(done?.attempts, 1);
  assert.equal(count(`first ${queued.published[0]}`), 0, "the stopping instance starts nothing new");

  instance("next", 1).pull();
  assert.equal((await settled(queued.run, 60_000)).status, "done");
  assert.equal(count(`next ${queued.published[0]}`), 1);
  assert.equal(starts("stop-queued"), 1);
  assert.equal(starts("stop-running"), 1);
  assert.equal(count(running.published[0]), 1, "the finished job is not delivered again");
  assert.equal(deadLetterPushes, 0);
});

test("a subscriber started before its subscription exists (or before its grant propagates) keeps trying, then pulls", async () => {
  const errors: string[] = [];
  const seen: string[] = [];
  const puller = startPullSubscriber(
    pubsub,
    "fiji-pull-later",
    async (message) => {
      seen.push(message.data.toString());
      return "ack";
    },
    { maxMessages: 1, maxExtensionSeconds: 60, onError: (e) => errors.push(String(e)), reopenAfterMs: 300 },
  );
  pullers.push(puller);
  await waitFor("the first NOT_FOUND", async () => (errors.length > 0 ? true : undefined), 10_000);
  assert.match(errors[0], /NOT_FOUND|does not exist/i);
  const [topic] = await pubsub.createTopic("fiji-later");
  await topic.createSubscription("fiji-pull-later", { ackDeadlineSeconds: 10 });
  await topic.publishMessage({ data: Buffer.from("hello") });
  await waitFor("the message", async () => (seen.length > 0 ? true : undefined), 15_000);
  assert.deepEqual(seen, ["hello"]);
});
