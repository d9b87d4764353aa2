// Port contracts shared by the local and the cloud adapters and the tests' memory stores: the same
// assertions run against all of them, so "same contract as adapters/local" is checked, not claimed.
import assert from "node:assert/strict";
import type { ObjectStore, RunStore } from "../../core/ports.js";

const bytes = (b: Uint8Array | undefined) => (b ? [...b] : b);

export async function objectStoreContract(store: ObjectStore): Promise<void> {
  assert.equal(await store.get("a/b"), undefined);
  assert.equal(await store.getRange("a/b", 0, 4), undefined);
  await store.put("a/b", new Uint8Array([1, 2, 3, 4, 5]));
  await store.put("a/c/d", new Uint8Array([9]), { contentType: "application/json" });
  await store.put("z", new Uint8Array([]));
  assert.deepEqual(bytes(await store.get("a/b")), [1, 2, 3, 4, 5]);
  assert.deepEqual(bytes(await store.getRange("a/b", 1, 3)), [2, 3, 4]);
  assert.deepEqual(bytes(await store.getRange("a/b", 3, 10)), [4, 5]);
  assert.deepEqual(bytes(await store.getRange("a/b", 5, 10)), []);
  assert.deepEqual(bytes(await store.get("z")), []);
  assert.deepEqual(bytes(await store.getRange("z", 0, 4)), []);
  assert.deepEqual(await store.list(""), ["a/b", "a/c/d", "z"]);
  assert.deepEqual(await store.list("a/c"), ["a/c/d"]);
  assert.deepEqual(await store.list("nothing/"), []);
  const before = await store.listVersions("");
  assert.deepEqual([...before.keys()], ["a/b", "a/c/d", "z"]);
  assert.deepEqual([...(await store.listVersions("a/c")).keys()], ["a/c/d"]);
  assert.ok([...before.values()].every((v) => v !== ""), "every object has a version");
  // getVersioned: the bytes and the very token listVersions gives for them.
  assert.equal(await store.getVersioned("a/nothing"), undefined);
  const read = await store.getVersioned("a/c/d");
  assert.deepEqual(bytes(read?.bytes), [9]);
  assert.equal(read?.version, before.get("a/c/d"));
  const empty = await store.getVersioned("z");
  assert.equal(empty?.bytes.length, 0);
  assert.equal(empty?.version, before.get("z"));
  // A rewrite replaces the object whole, and gives it a new version (same size here: 1 byte -> 1 byte).
  await store.put("a/c/d", new Uint8Array([8]));
  const after = await store.listVersions("");
  assert.notEqual(after.get("a/c/d"), before.get("a/c/d"));
  const reread = await store.getVersioned("a/c/d");
  assert.deepEqual(bytes(reread?.bytes), [8]);
  assert.equal(reread?.version, after.get("a/c/d"));
  assert.equal(after.get("a/b"), before.get("a/b"));
  await store.put("a/b", new Uint8Array([7]));
  assert.deepEqual(bytes(await store.get("a/b")), [7]);
  await store.delete("a/b");
  await store.delete("a/b");
  assert.equal(await store.get("a/b"), undefined);
  assert.deepEqual(await store.list("a/"), ["a/c/d"]);
  for (const key of ["../x", "/etc/passwd", "a/../../b", "a//b", ""]) {
    await assert.rejects(store.put(key, new Uint8Array()), /not a plain relative path/);
  }
}

export async function runStoreContract(store: RunStore, run = "r1"): Promise<void> {
  const stamp = "2026-01-01T00:00:00.000Z";
  await store.createRun({ run, status: "enumerating", config: { x: 1, m: [[1, 2], [3, 4]] }, totals: {}, details: {}, createdAt: stamp, updatedAt: stamp });
  const again = await store.createRun({ run, status: "done", config: {}, totals: {}, details: {}, createdAt: stamp, updatedAt: stamp });
  assert.equal(again.status, "enumerating");
  assert.deepEqual(again.config, { x: 1, m: [[1, 2], [3, 4]] });
  await store.updateRun(run, { status: "aligning", totals: { align: 3 }, details: { box: { x0: -3, y0: 0, width: 10, height: 20 } } });
  await store.updateRun(run, { totals: { render: 4 } });
  const base = { run, stage: "align", attempts: 1, durationMs: 5 };
  assert.equal(await store.recordTask({ ...base, id: "align-1", status: "failed", error: "slow" }), true);
  assert.equal(await store.recordTask({ ...base, id: "align-1", status: "done", outcome: { m: [[1, 0, 0], [0, 1, 0]] } }), true);
  assert.equal(await store.recordTask({ ...base, id: "align-1", status: "done", outcome: { m: [2] } }), false);
  assert.equal(await store.recordTask({ ...base, id: "align-2", status: "failed", error: "bad" }), true);
  assert.equal(await store.recordTask({ ...base, id: "align-10", status: "done", outcome: null }), true);
  const got = await store.getRun(run);
  assert.equal(got?.status, "aligning");
  assert.deepEqual(got?.totals, { align: 3, render: 4 });
  assert.deepEqual(got?.details, { box: { x0: -3, y0: 0, width: 10, height: 20 } });
  assert.deepEqual((await store.getTask(run, "align-1"))?.outcome, { m: [[1, 0, 0], [0, 1, 0]] });
  assert.equal((await store.getTask(run, "align-2"))?.error, "bad");
  assert.equal(await store.getTask(run, "align-3"), undefined);
  assert.deepEqual(await store.countTasks(run, "align"), { done: 2, failed: 1 });
  assert.deepEqual(await store.countTasks(run, "render"), { done: 0, failed: 0 });
  assert.deepEqual((await store.listTasks(run, "align")).map((t) => t.id), ["align-1", "align-10", "align-2"]);
  assert.equal(await store.getRun("nope"), undefined);
  await assert.rejects(store.updateRun("nope", { status: "done" }), /does not exist/);
}
