// The instance's job slots (services/fiji/job-slots.ts): HTTP takes a free slot or is refused, a pulled
// message waits in arrival order, a freed slot goes to the first waiter before any new request, and a
// shutdown takes waiters out of the queue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { JobSlots } from "../../services/fiji/job-slots.js";

test("tryAcquire takes free slots and refuses when all are taken; a release is counted once", () => {
  const slots = new JobSlots(2);
  const a = slots.tryAcquire();
  const b = slots.tryAcquire();
  assert.ok(a && b);
  assert.equal(slots.tryAcquire(), undefined);
  assert.equal(slots.running, 2);
  a();
  a();
  assert.equal(slots.running, 1, "a second call of the same release frees nothing more");
  assert.ok(slots.tryAcquire());
  assert.throws(() => new JobSlots(0), /size must be an integer >= 1/);
});

test("waiters get freed slots in arrival order, ahead of a request that arrives meanwhile", async () => {
  const slots = new JobSlots(1);
  const http = slots.tryAcquire()!;
  const order: string[] = [];
  const first = slots.acquire().then((release) => (order.push("first"), release));
  const second = slots.acquire().then((release) => (order.push("second"), release));
  http();
  assert.equal(slots.tryAcquire(), undefined, "the freed slot is the first waiter's, not a new request's");
  const r1 = await first;
  assert.deepEqual(order, ["first"]);
  assert.equal(slots.running, 1);
  r1();
  (await second)();
  assert.deepEqual(order, ["first", "second"]);
  assert.equal(slots.running, 0);
});

test("an abort takes a waiter out of the queue (its slot goes to the next), and an aborted signal never gets a slot", async () => {
  const slots = new JobSlots(1);
  const held = slots.tryAcquire()!;
  const stop = new AbortController();
  const aborted = slots.acquire(stop.signal);
  const next = slots.acquire();
  stop.abort(new Error("stopping"));
  await assert.rejects(aborted, /stopping/);
  held();
  const release = await next;
  assert.equal(slots.running, 1);
  release();
  await assert.rejects(slots.acquire(stop.signal), /stopping/, "no slot once the signal has aborted, even a free one");
  assert.equal(slots.running, 0);
});
