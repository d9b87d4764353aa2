// The port contracts (test/support/store-contracts.ts) on the local adapters and on the memory stores the
// in-process pipeline tests use; the cloud adapters run the same contracts on the emulators (test/cloud/stores.test.ts).
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileStore } from "../../adapters/local/file-store.js";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { MemoryRunStore } from "../support/memory-run-store.js";
import { MemoryStore } from "../support/memory-store.js";
import { objectStoreContract, runStoreContract } from "../support/store-contracts.js";

test("object store contract: FileStore", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emfs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await objectStoreContract(new FileStore(dir));
});

test("object store contract: MemoryStore (test support)", async () => {
  await objectStoreContract(new MemoryStore());
});

test("run store contract: SqliteRunStore", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emdb-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new SqliteRunStore(path.join(dir, "s.sqlite"));
  t.after(() => store.close());
  await runStoreContract(store);
});

test("run store contract: MemoryRunStore (test support)", async () => {
  await runStoreContract(new MemoryRunStore());
});
