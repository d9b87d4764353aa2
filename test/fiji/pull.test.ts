// Pull delivery without a network (on the emulators: pull-cloud.test.ts): the ack/nack rule
// (services/fiji/pull-settlement.ts) as a table, then the pull handler (services/fiji/pull.ts) over the SQLite
// RunStore and a fake router, which shows it goes through the same task handling as POST /tasks: recorded
// once, skip-if-done, the run settled, one job per slot.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PulledMessage } from "../../adapters/gcp/pubsub-pull.js";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { PermanentError, RetryableError } from "../../core/errors.js";
import type { RunStore, TaskMessage } from "../../core/ports.js";
import { createFijiApp } from "../../services/fiji/app.js";
import { JobSlots } from "../../services/fiji/job-slots.js";
import { fijiPullHandler } from "../../services/fiji/pull.js";
import { settlementOf, type PullOutcome } from "../../services/fiji/pull-settlement.js";
import { jsonLogger } from "../../cloud-runtime/log.js";
import { listen, post } from "./support/imagej.js";

test("ack when the task is done, already done, failed for good, or not a task at all; nack when it may succeed later", () => {
  const reply = (status: number, body: Record<string, unknown> = {}): PullOutcome => ({ kind: "handled", reply: { status, body } });
  const rows: Array<[string, PullOutcome, "ack" | "nack"]> = [
    ["done", reply(200, { status: "done" }), "ack"],
    ["done by another delivery", reply(200, { status: "duplicate" }), "ack"],
    ["failed for good, recorded", reply(200, { status: "failed" }), "ack"],
    ["retryable (the handler's 503)", reply(503, { status: "retry" }), "nack"],
    ["busy", reply(429), "nack"],
    ["any other non-2xx", reply(500), "nack"],
    ["not a task", { kind: "malformed", error: "message.data is not base64 JSON" }, "ack"],
    ["the store failed while recording", { kind: "fault", error: "firestore unavailable" }, "nack"],
    ["shutdown before a slot freed", { kind: "not-started" }, "nack"],
  ];
  for (const [what, outcome, expected] of rows) assert.equal(settlementOf(outcome), expected, what);
});

let dir: string;
let runs: SqliteRunStore;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "fiji-pull-"));
  runs = new SqliteRunStore(path.join(dir, "runs.sqlite"));
});
after(() => {
  runs?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openRun(run: string, tasks: number) {
  const now = new Date().toISOString();
  await runs.createRun({ run, status: "running", config: {}, totals: { fiji: tasks }, details: {}, createdAt: now, updatedAt: now });
}

function message(task: unknown, deliveryAttempt = 1, id = "m1"): PulledMessage {
  return { id, data: Buffer.from(typeof task === "string" ? task : JSON.stringify(task)), attributes: {}, deliveryAttempt };
}

/** A pull handler whose router runs `behave` and counts executions per task id. */
function handler(behave: (task: TaskMessage) => Promise<unknown>, slots = new JobSlots(1), store: RunStore = runs) {
  const executed: string[] = [];
  const lines: Array<{ severity: string; message: string }> = [];
  const log = jsonLogger((line) => lines.push(JSON.parse(line) as { severity: string; message: string }), "fiji");
  const routerFor = async () => async (task: TaskMessage) => {
    executed.push(task.id);
    return behave(task);
  };
  const handle = fijiPullHandler({ batch: { runs: store, routerFor, log }, slots, log, subscription: "projects/p/subscriptions/fiji-pull" });
  return { handle, executed, lines, slots };
}

const never = new AbortController().signal;

test("a pulled task is handled as a push is: recorded done once with its delivery attempt, a redelivery acknowledged without running, the run settled", async () => {
  await openRun("r-done", 1);
  const { handle, executed } = handler(async () => ({ outputs: {} }));
  const task = { id: "fiji-0-a", run: "r-done", stage: "fiji", index: 0, request: {} };
  assert.equal(await handle(message(task, 2), never), "ack");
  assert.equal(await handle(message(task, 3), never), "ack");
  assert.deepEqual(executed, ["fiji-0-a"], "the redelivery of a done task does not run it again");
  const record = await runs.getTask("r-done", "fiji-0-a");
  assert.equal(record?.status, "done");
  assert.equal(record?.attempts, 2);
  assert.equal((await runs.getRun("r-done"))?.status, "done", "the run's last task settles it");
  // No dead-letter policy: Pub/Sub counts no attempts (0), which is the first.
  const other = { id: "fiji-1-b", run: "r-done", stage: "fiji", index: 1, request: {} };
  assert.equal(await handle(message(other, 0), never), "ack");
  assert.equal((await runs.getTask("r-done", "fiji-1-b"))?.attempts, 1);
});

test("a permanent failure is recorded and acked; a retryable one is nacked and not recorded; a store fault is nacked", async () => {
  await openRun("r-fail", 2);
  const { handle, executed } = handler(async (task) => {
    if (task.id === "fiji-0-bad") throw new PermanentError("task fiji-0-bad: the command exited with 1");
    throw new RetryableError("reading gs://b/in.png: socket hang up");
  });
  assert.equal(await handle(message({ id: "fiji-0-bad", run: "r-fail", stage: "fiji" }), never), "ack");
  const failed = await runs.getTask("r-fail", "fiji-0-bad");
  assert.equal(failed?.status, "failed");
  assert.match(failed?.error ?? "", /exited with 1/);
  assert.equal(await handle(message({ id: "fiji-1-flaky", run: "r-fail", stage: "fiji" }), never), "nack");
  assert.equal(await runs.getTask("r-fail", "fiji-1-flaky"), undefined, "a retryable failure leaves no record: the next delivery decides");
  assert.deepEqual(executed, ["fiji-0-bad", "fiji-1-flaky"]);
  assert.equal((await runs.getRun("r-fail"))?.status, "running", "one task is still open");

  const failing: RunStore = {
    getRun: (run) => runs.getRun(run),
    createRun: (record) => runs.createRun(record),
    updateRun: (run, patch) => runs.updateRun(run, patch),
    getTask: (run, id) => runs.getTask(run, id),
    listTasks: (run, stage) => runs.listTasks(run, stage),
    countTasks: (run, stage) => runs.countTasks(run, stage),
    recordTask: async () => {
      throw new Error("store unavailable");
    },
  };
  const { handle: faulty, lines } = handler(async () => ({}), new JobSlots(1), failing);
  assert.equal(await faulty(message({ id: "fiji-0-x", run: "r-fail", stage: "fiji" }), never), "nack", "done but not recorded: deliver again");
  assert.ok(lines.some((l) => l.severity === "ERROR" && /failed, delivered again later: store unavailable/.test(l.message)));
});

test("a message that is not a task is acked and logged, never handed to the router", async () => {
  const { handle, executed, lines } = handler(async () => ({}));
  assert.equal(await handle(message("{not json"), never), "ack");
  assert.equal(await handle(message({ id: "x", stage: "fiji" }), never), "ack");
  assert.deepEqual(executed, []);
  const errors = lines.filter((l) => l.severity === "ERROR").map((l) => l.message);
  assert.equal(errors.length, 2);
  assert.match(errors[0], /not a task, acknowledged and dropped: push envelope: message\.data is not base64 JSON/);
  assert.match(errors[1], /task field "run" must be a non-empty string/);
});

test("a pulled job waits for a slot an HTTP job holds, and is nacked without running if the instance stops first", async () => {
  await openRun("r-slots", 2);
  const slots = new JobSlots(1);
  const { handle, executed } = handler(async () => ({}), slots);
  const http = slots.tryAcquire()!;
  const waiting = handle(message({ id: "fiji-0-w", run: "r-slots", stage: "fiji" }), never);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(executed, [], "no second job while the only slot is taken");
  http();
  assert.equal(await waiting, "ack");
  assert.deepEqual(executed, ["fiji-0-w"]);

  const held = slots.tryAcquire()!;
  const stop = new AbortController();
  const queued = handle(message({ id: "fiji-1-s", run: "r-slots", stage: "fiji" }), stop.signal);
  stop.abort(new Error("SIGTERM"));
  assert.equal(await queued, "nack");
  assert.equal(await handle(message({ id: "fiji-1-s", run: "r-slots", stage: "fiji" }), stop.signal), "nack", "a message dispatched after stop is not started either");
  held();
  assert.deepEqual(executed, ["fiji-0-w"]);
  assert.equal(await runs.getTask("r-slots", "fiji-1-s"), undefined);
  assert.equal(slots.running, 0);
});

test("HTTP and pull share one set of slots: a request finding them taken by a pulled job gets 429", async () => {
  const slots = new JobSlots(1);
  const app = createFijiApp({
    io: { get: async () => undefined, put: async () => undefined, probe: async () => undefined },
    sandbox: { create: async () => assert.fail("no job runs") },
    downsample: async (bytes) => bytes,
    policy: { buckets: ["b"], executables: { java: "/usr/bin/java" } },
    maxJobs: 1,
    slots,
    log: () => undefined,
  });
  const server = createServer(app);
  const url = await listen(server);
  try {
    const pulled = slots.tryAcquire()!;
    const busy = await post(`${url}/run`, { command: "java -version" });
    assert.equal(busy.status, 429);
    assert.match(String(busy.body.error), /busy: 1 job\(s\) running, this instance runs 1 at a time/);
    assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true, running: 1, maxJobs: 1 });
    pulled();
    assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true, running: 0, maxJobs: 1 });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
