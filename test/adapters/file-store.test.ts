import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileStore } from "../../adapters/local/file-store.js";

const bytes = (b: Uint8Array | undefined) => (b ? [...b] : b);

test("file store: get/put/range/list/delete, missing is undefined", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emfs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new FileStore(dir);
  assert.equal(await store.get("a/b"), undefined);
  assert.equal(await store.getRange("a/b", 0, 4), undefined);
  await store.put("a/b", new Uint8Array([1, 2, 3, 4, 5]));
  await store.put("a/c/d", new Uint8Array([9]));
  await store.put("z", new Uint8Array([]));
  assert.deepEqual(bytes(await store.get("a/b")), [1, 2, 3, 4, 5]);
  assert.deepEqual(bytes(await store.getRange("a/b", 1, 3)), [2, 3, 4]);
  assert.deepEqual(bytes(await store.getRange("a/b", 3, 10)), [4, 5]);
  assert.deepEqual(await store.list(""), ["a/b", "a/c/d", "z"]);
  assert.deepEqual(await store.list("a/c"), ["a/c/d"]);
  assert.deepEqual(readdirSync(path.join(dir, "a")).filter((f) => f.endsWith(".partial")), []);
  await store.delete("a/b");
  await store.delete("a/b");
  assert.deepEqual(await store.list("a/"), ["a/c/d"]);
  await store.delete("a/c/d");
  assert.equal(existsSync(path.join(dir, "a")), false, "empty folders go with their last object");
  assert.equal(existsSync(dir), true);
});

test("file store refuses keys that leave its root", async () => {
  const store = new FileStore(tmpdir());
  for (const key of ["../x", "/etc/passwd", "a/../../b", "a//b", ""]) {
    await assert.rejects(store.put(key, new Uint8Array()), /not a plain relative path/);
  }
});

test("file store with a temp folder: temporary files only there, and only the ones it names are removed as abandoned", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emfs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const temp = path.join(dir, ".emingest", "writes");
  // What a killed writer leaves, beside what a user keeps (the same suffix, anywhere, even in the temp folder).
  mkdirSync(temp, { recursive: true });
  writeFileSync(path.join(temp, "0123456789abcdef.partial"), "abandoned");
  writeFileSync(path.join(temp, "notes.partial"), "the user's");
  mkdirSync(path.join(dir, "tmp"), { recursive: true });
  writeFileSync(path.join(dir, "tmp", "0123456789abcdef.partial"), "the user's");
  writeFileSync(path.join(dir, "download.partial"), "the user's");

  const store = new FileStore(dir, { tempDir: temp });
  await store.put("a/b", new Uint8Array([1, 2]));
  assert.deepEqual(readdirSync(path.join(dir, "a")), ["b"], "nothing temporary beside the object");
  assert.equal(await store.removeAbandonedWrites(), 1);
  assert.deepEqual(readdirSync(temp), ["notes.partial"]);
  assert.equal(readFileSync(path.join(dir, "tmp", "0123456789abcdef.partial"), "utf8"), "the user's");
  assert.equal(readFileSync(path.join(dir, "download.partial"), "utf8"), "the user's");
  await assert.rejects(new FileStore(dir).removeAbandonedWrites(), /has no folder of its own for temporary files/);
});

test("file store delete climbs past folders already gone: no empty folder is left after an interrupted cleanup", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emfs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new FileStore(dir);
  await store.put("tmp/plan.json", new Uint8Array([1]));
  // A kill after the last tile of tmp/render/0/ and its folder went, before the climb reached tmp/render/.
  mkdirSync(path.join(dir, "tmp", "render"), { recursive: true });
  await store.delete("tmp/render/0/0_0.raw");
  assert.deepEqual(readdirSync(path.join(dir, "tmp")), ["plan.json"]);
  await store.delete("tmp/plan.json");
  assert.deepEqual(readdirSync(dir), []);
});
