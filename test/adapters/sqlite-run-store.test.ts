import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { StateStoreError } from "../../adapters/local/state-store-error.js";
import { mountTmpfs } from "../hostile/support/failure-line.js";

test("run store: completion is recorded once and survives reopening the file", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emdb-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "s", "state.sqlite");
  const a = new SqliteRunStore(file);
  const stamp = "2026-01-01T00:00:00.000Z";
  await a.createRun({ run: "r1", status: "enumerating", config: { x: 1 }, totals: {}, details: {}, createdAt: stamp, updatedAt: stamp });
  const again = await a.createRun({ run: "r1", status: "done", config: {}, totals: {}, details: {}, createdAt: stamp, updatedAt: stamp });
  assert.equal(again.status, "enumerating");
  await a.updateRun("r1", { status: "aligning", totals: { align: 3 }, details: { box: { x0: -3, y0: 0, width: 10, height: 20 } } });
  await a.updateRun("r1", { totals: { render: 4 } });
  const base = { run: "r1", stage: "align", attempts: 1, durationMs: 5 };
  assert.equal(await a.recordTask({ ...base, id: "align-1", status: "failed", error: "slow" }), true);
  assert.equal(await a.recordTask({ ...base, id: "align-1", status: "done", outcome: { m: [1] } }), true);
  assert.equal(await a.recordTask({ ...base, id: "align-1", status: "done", outcome: { m: [2] } }), false);
  assert.equal(await a.recordTask({ ...base, id: "align-2", status: "failed", error: "bad" }), true);
  a.close();

  const b = new SqliteRunStore(file);
  t.after(() => b.close());
  const run = await b.getRun("r1");
  assert.equal(run?.status, "aligning");
  assert.deepEqual(run?.totals, { align: 3, render: 4 });
  assert.deepEqual(run?.details, { box: { x0: -3, y0: 0, width: 10, height: 20 } });
  assert.deepEqual((await b.getTask("r1", "align-1"))?.outcome, { m: [1] });
  assert.deepEqual(await b.countTasks("r1", "align"), { done: 1, failed: 1 });
  assert.deepEqual((await b.listTasks("r1", "align")).map((t) => t.id), ["align-1", "align-2"]);
  assert.equal(await b.getRun("nope"), undefined);
});

test("run store: a full disk inside a transaction is one line naming the file as full, and the store stays usable", async (t) => {
  // node-sqlite3-wasm turns the failed write into "disk I/O error" and SQLite rolls the transaction back
  // itself; the store used to hide that behind "cannot rollback - no transaction is active".
  const dir = mkdtempSync(path.join(tmpdir(), "emdbfull-"));
  const disk = await mountTmpfs(path.join(dir, "disk"), "64k");
  const file = path.join(dir, "disk", "state.sqlite");
  const store = new SqliteRunStore(file);
  t.after(async () => {
    store.close();
    await disk.unmount();
    rmSync(dir, { recursive: true, force: true });
  });
  const stamp = "2026-01-01T00:00:00.000Z";
  await store.createRun({ run: "r1", status: "aligning", config: {}, totals: {}, details: {}, createdAt: stamp, updatedAt: stamp });
  let recorded = 0;
  let failure: unknown;
  for (; recorded < 1000 && failure === undefined; recorded++) {
    await store.recordTask({ run: "r1", id: `t-${recorded}`, stage: "s", status: "done", attempts: 1, durationMs: 1, outcome: { pad: "x".repeat(500) } }).catch((e: unknown) => (failure = e));
  }
  assert.ok(failure instanceof StateStoreError, `a StateStoreError, got ${String(failure)}`);
  assert.equal((failure as Error).message, `${file}: the disk is full (ENOSPC): the run state could not be written`);
  const kept = recorded - 1;
  assert.deepEqual(await store.countTasks("r1", "s"), { done: kept, failed: 0 }, "every record before the failure is kept, the failed one is not half there");
  await disk.remount("1m");
  assert.equal(await store.recordTask({ run: "r1", id: "after", stage: "s", status: "done", attempts: 1, durationMs: 1 }), true);
  assert.deepEqual(await store.countTasks("r1", "s"), { done: kept + 1, failed: 0 });
});
