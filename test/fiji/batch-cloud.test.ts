// Batch mode on the emulators, as deployed: `emingest fiji-batch` (cli/fiji-batch-command.ts) creates the run
// in Firestore and publishes to the fiji topic; a real Pub/Sub push subscription (dead-letter policy, 5
// attempts) delivers to the fiji service in-process, which runs REAL headless ImageJ and writes to fake-gcs.
// Three jobs: an invert that succeeds (checked against 255 - v at every pixel), a macro that fails for good
// (recorded once, not retried), and a job whose output bucket does not exist (no retry can create it: failed
// for good on its first delivery, naming the bucket, never dead-lettered). Then the run's counts,
// `emingest status --json`, and a re-submission.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import sharp from "sharp";
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { gcsBucketIO } from "../../adapters/gcp/gcs-bucket-io.js";
import { ProcessSandbox } from "../../adapters/process/fiji-sandbox.js";
import { fijiBatch, parseFijiBatch } from "../../cli/fiji-batch-command.js";
import { parseStatus, statusCommand, type StatusSnapshot } from "../../cli/status-command.js";
import { PermanentError } from "../../core/errors.js";
import { fijiTaskRouter } from "../../core/fiji/batch.js";
import { downsampleImageFile } from "../../core/fiji/downsample.js";
import type { FijiPolicy } from "../../core/fiji/request.js";
import type { TaskMessage } from "../../core/ports.js";
import { silentLogger } from "../../cloud-runtime/log.js";
import { createFijiApp } from "../../services/fiji/app.js";
import type { Emulators } from "../cloud/support/emulators.js";
import { fijiBatchCli, startBatchWorld, taskSubscriptions, waitFor, type BatchWorld } from "./support/batch-emulators.js";
import { imagejPaths, JOB_USER, listen } from "./support/imagej.js";

const BUCKET = "fiji-batch-data";
/** Named in the service's FIJI_BUCKETS but not there (deleted, or not created yet): writing to it fails for good. */
const OUTAGE = "fiji-batch-outage";
const TOPIC = "emingest-fiji";
const COLLECTION = "runs-fiji";
const policy: FijiPolicy = { buckets: [BUCKET, OUTAGE], executables: { java: "/usr/bin/java" } };

let world: BatchWorld | undefined;
let serviceUrl: string;
let emu: Emulators;
let storage: Storage;
let pubsub: PubSub;
let runs: FirestoreRunStore;
let jar: string;
let scratch: string;
let work: string;
let server: Server | undefined;
let input: Buffer;
/** Executions of each task id by the service (deliveries that reached the router). */
const executed: string[] = [];
/** Pushes from the dead-letter subscription. */
let deadLetterPushes = 0;

before(async () => {
  world = await startBatchWorld(BUCKET, COLLECTION, [23, 17, 11]);
  ({ emu, storage, pubsub, runs, jar, scratch, work, input } = world);

  const job = {
    io: gcsBucketIO(storage),
    sandbox: new ProcessSandbox({ root: scratch, runAs: JOB_USER, timeoutMs: 120_000, javaHeapMb: 256, xvfb: true, readOnlyPaths: imagejPaths(jar) }),
    downsample: downsampleImageFile,
  };
  const router = fijiTaskRouter(job, policy);
  const app = createFijiApp({
    ...job,
    policy,
    // The emulator pushes at most 2 messages at once; 2 slots keep a busy 429 from costing a delivery attempt.
    maxJobs: 2,
    log: silentLogger,
    batch: {
      runs,
      routerFor: async () => async (task: TaskMessage) => {
        executed.push(task.id);
        return router(task);
      },
    },
  });
  server = createServer((req, res) => {
    if (req.url?.startsWith("/dead-letter")) deadLetterPushes += 1;
    app(req, res);
  });
  serviceUrl = await listen(server);
  await taskSubscriptions(pubsub, TOPIC, serviceUrl, { push: { ackDeadlineSeconds: 120 } });
});

after(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await world?.close();
});

const ij = () => `java -Djava.awt.headless=false -jar ${jar} -batch macro.ijm`;
const INVERT = 'open("in.png");\nrun("Invert");\nsaveAs("PNG", getDirectory("current") + "out.png");\n';

function jobFile(): { jobs: Array<Record<string, unknown>> } {
  return {
    jobs: [
      { command: ij(), "input-str": { "macro.ijm": INVERT }, "input-map": { "in.png": `gs://${BUCKET}/in/z0.png` }, "output-map": { "out.png": `gs://${BUCKET}/out/z0.png` } },
      { command: ij(), "input-str": { "macro.ijm": 'open("absent.png");\n' }, "output-map": { "x.png": `gs://${BUCKET}/out/x.png` } },
      { command: ij(), "input-str": { "macro.ijm": INVERT }, "input-map": { "in.png": `gs://${BUCKET}/in/z0.png` }, "output-map": { "out.png": `gs://${OUTAGE}/out/z0.png` } },
    ],
  };
}

function writeJobFile(name: string, content: unknown): string {
  const file = path.join(work, name);
  writeFileSync(file, JSON.stringify(content, null, 1));
  return file;
}

const cli = (args: string[]) => fijiBatchCli(emu.config, TOPIC, COLLECTION)(args);

test("fiji-batch refuses a bad job file before creating or publishing anything, naming the job index and field", async () => {
  const published: TaskMessage[] = [];
  const queue = { publish: async (tasks: readonly TaskMessage[]) => void published.push(...tasks) };
  const bad = jobFile();
  bad.jobs[2] = { ...bad.jobs[2], "output-map": { "../out.png": `gs://${BUCKET}/x.png` } };
  const file = writeJobFile("bad.json", bad);
  const cmd = parseFijiBatch([file, "--buckets", policy.buckets.join(","), "--executables", "java"]);
  await assert.rejects(fijiBatch(cmd, { runs, queue }), (e: unknown) => e instanceof PermanentError && /bad\.json: jobs\[2\]\.output-map\.\.\.\/out\.png: file name/.test(e.message));
  const strict = writeJobFile("strict.json", { jobs: [jobFile().jobs[0], { ...jobFile().jobs[0], "output-map": { "o.png": "gs://elsewhere/o.png" } }] });
  await assert.rejects(fijiBatch(parseFijiBatch([strict, "--buckets", BUCKET]), { runs, queue }), /jobs\[1\]\.output-map\.o\.png: bucket "elsewhere" is not one/);
  // Without --buckets the file's own buckets pass here (the service enforces FIJI_BUCKETS); syntax still does not.
  const r = await fijiBatch(parseFijiBatch([strict, "--dry-run"]), { runs, queue });
  assert.equal(r.published.length, 2);
  const syntax = writeJobFile("syntax.json", { jobs: [{ ...jobFile().jobs[0], command: "java -jar ij.jar | tee log" }] });
  await assert.rejects(fijiBatch(parseFijiBatch([syntax]), { runs, queue }), /jobs\[0\]\.command: /);
  writeFileSync(path.join(work, "broken.json"), "{ jobs: ");
  await assert.rejects(fijiBatch(parseFijiBatch([path.join(work, "broken.json")]), { runs, queue }), /broken\.json: not valid JSON/);
  assert.deepEqual(published, []);
  assert.equal(await runs.getRun(r.run), undefined, "a dry run creates nothing");
});

test("a 3-job batch through Pub/Sub push: done, a failing macro and a missing bucket failed for good once each; exact counts, status, outputs, and a re-run publishes nothing", async () => {
  const file = writeJobFile("batch.json", jobFile());
  const first = await cli([file]);
  assert.equal(first.code, 0);
  const submitted = JSON.parse(first.out) as { run: string; jobs: number; created: boolean; published: string[] };
  assert.match(submitted.run, /^fiji-[0-9a-f]{12}$/, "no run field: the run id is the jobs' content hash");
  assert.equal(submitted.created, true);
  assert.equal(submitted.published.length, 3);
  const [good, broken, unwritable] = submitted.published;
  const run = submitted.run;

  const settled = await waitFor(
    "the run to settle",
    async () => {
      const r = await runs.getRun(run);
      return r && r.status !== "running" ? r : undefined;
    },
    180_000,
  );
  assert.equal(settled.status, "failed");
  assert.equal(settled.details.error, "2 of 3 fiji task(s) failed");
  assert.deepEqual(await runs.countTasks(run, "fiji"), { done: 1, failed: 2 });

  const done = await runs.getTask(run, good);
  assert.equal(done?.status, "done");
  assert.deepEqual((done?.outcome as { outputs: unknown }).outputs, { "out.png": { url: `gs://${BUCKET}/out/z0.png`, bytes: (await storage.bucket(BUCKET).file("out/z0.png").download())[0].length } });
  const failed = await runs.getTask(run, broken);
  assert.equal(failed?.status, "failed");
  assert.equal(failed?.attempts, 1);
  assert.match(failed?.error ?? "", /did not write x\.png/);
  const noBucket = await runs.getTask(run, unwritable);
  assert.equal(noBucket?.status, "failed");
  assert.equal(noBucket?.attempts, 1);
  assert.equal(noBucket?.error, `output-map.out.png: writing gs://${OUTAGE}/out/z0.png: bucket "${OUTAGE}" does not exist (404 Not Found)`);

  const count = (id: string) => executed.filter((e) => e === id).length;
  assert.equal(count(broken), 1, "a failing macro is permanent: run once, acknowledged, not redelivered");
  assert.equal(count(unwritable), 1, "a missing bucket is permanent: run once, acknowledged, not redelivered");
  assert.ok(count(good) >= 1);

  // The output, decoded independently of ImageJ: 255 - v at every pixel.
  const src = await sharp(input).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  const out = await sharp((await storage.bucket(BUCKET).file("out/z0.png").download())[0]).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([out.info.width, out.info.height], [23, 17]);
  assert.deepEqual([...out.data], [...src.data].map((v) => 255 - v));
  const [outage] = await storage.bucket(OUTAGE).exists();
  assert.equal(outage, false);
  assert.deepEqual(readdirSync(scratch), [], "every scratch directory is removed, retries included");

  // `emingest status <run> --json`: exit 1 (the run failed), the fiji stage's exact counts, no dead letter.
  const text: string[] = [];
  const code = await statusCommand(parseStatus([run, "--json", "--collection", COLLECTION]), emu.config, { write: (t) => text.push(t) });
  assert.equal(code, 1);
  const snap = JSON.parse(text.join("")) as StatusSnapshot;
  assert.equal(snap.run.status, "failed");
  assert.deepEqual(snap.stages, [{ stage: "fiji", total: 3, done: 1, failed: 2 }]);
  assert.equal(snap.deadLettered, 0);
  assert.deepEqual(snap.failed.map((t) => t.id).sort(), [broken, unwritable].sort());

  // Re-running the same file publishes nothing: the done task is skipped, and so are the recorded failures.
  const before = executed.length;
  const again = JSON.parse((await cli([file])).out) as { created: boolean; published: string[]; skippedDone: number; skippedFailed: number };
  assert.deepEqual(again, { ...again, created: false, published: [], skippedDone: 1, skippedFailed: 2 });
  // --retry-failed would publish exactly the two failed tasks (dry run: nothing is sent).
  const retry = JSON.parse((await cli([file, "--retry-failed", "--dry-run"])).out) as { published: string[] };
  assert.deepEqual(retry.published.sort(), [broken, unwritable].sort());
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(executed.length, before, "no delivery reached the service after the re-run");
  // Well past the subscription's 1 s backoff: an unacknowledged task would have been redelivered by now.
  assert.equal(count(unwritable), 1);
  assert.equal(deadLetterPushes, 0, "nothing was dead-lettered");
  assert.equal((await runs.getRun(run))?.status, "failed");

  // The same run name with other jobs is refused rather than mixed into the finished run.
  const other = writeJobFile("other.json", { run, jobs: jobFile().jobs.slice(0, 1) });
  await assert.rejects(cli([other]), /exists with other jobs/);
});

test("last: a dead-lettered message that is not a task is acknowledged (200), not refused into a redelivery loop", async () => {
  const junk = { message: { data: Buffer.from("[1, 2]").toString("base64"), messageId: "m-9" }, subscription: "projects/p/subscriptions/dl" };
  const before = deadLetterPushes;
  const res = await fetch(`${serviceUrl}/dead-letter`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(junk) });
  assert.deepEqual([res.status, await res.json()], [200, { status: "not-a-task" }]);
  assert.equal(deadLetterPushes, before + 1);
  const tasks = await fetch(`${serviceUrl}/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(junk) });
  assert.equal(tasks.status, 400, "on /tasks it is refused: retries, then the dead-letter topic");
});
