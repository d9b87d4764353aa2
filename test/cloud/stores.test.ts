// The GCS ObjectStore and the Firestore RunStore against fake-gcs-server and the Firestore emulator, with
// the same contracts as the local adapters and the memory stores (test/adapters/store-contracts.test.ts).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { firestoreClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { GcsStore } from "../../adapters/gcp/gcs-store.js";
import { objectStoreContract, runStoreContract } from "../support/store-contracts.js";
import { startEmulators, type Emulators } from "./support/emulators.js";

let emu: Emulators;
before(async () => {
  emu = await startEmulators(["firestore", "gcs"]);
});
after(async () => {
  await emu?.stop();
});

test("object store contract: GcsStore on fake-gcs-server, at the bucket root and under a prefix", async () => {
  const storage = storageClient(emu.config);
  const [bucket] = await storage.createBucket("contract");
  await objectStoreContract(new GcsStore(bucket));
  const [other] = await storage.createBucket("contract-prefixed");
  await other.file("outside").save("x");
  await objectStoreContract(new GcsStore(other, { prefix: "run-1/" }));
  assert.deepEqual((await other.getFiles())[0].map((f) => f.name).sort(), ["outside", "run-1/a/c/d", "run-1/z"]);
  assert.throws(() => new GcsStore(other, { prefix: "../x/" }), /plain relative folder/);
});

test("GcsStore: resumable uploads above the threshold, stored bytes kept with a content-encoding", async () => {
  const storage = storageClient(emu.config);
  const [bucket] = await storage.createBucket("resumable");
  const store = new GcsStore(bucket, { resumableThreshold: 1024 });
  const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
  await store.put("big.bin", big);
  assert.deepEqual(Buffer.from((await store.get("big.bin"))!), Buffer.from(big));
  assert.deepEqual([...(await store.getRange("big.bin", 299_990, 100))!], [...big.subarray(299_990)]);
  const { gzipSync } = await import("node:zlib");
  const zipped = gzipSync(Buffer.from("hello"));
  await store.put("z.gz", zipped, { contentEncoding: "gzip" });
  assert.deepEqual(Buffer.from((await store.get("z.gz"))!), zipped);
});

test("GcsStore retries 429 and 503 with backoff and then succeeds", async (t) => {
  // A proxy in front of fake-gcs-server that answers the first requests with 503 then 429.
  const target = new URL(emu.env.STORAGE_API_ENDPOINT);
  let failuresLeft = 1;
  let nextStatus = 503;
  const seen: number[] = [];
  const proxy: Server = createServer((req, res) => {
    if (failuresLeft > 0) {
      const status = nextStatus;
      failuresLeft -= 1;
      seen.push(status);
      req.resume();
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: status, message: "injected" } }));
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  t.after(() => proxy.close());
  const port = (proxy.address() as AddressInfo).port;
  const direct = storageClient(emu.config);
  await direct.createBucket("retry");
  const storage = storageClient({ ...emu.config, storageEndpoint: `http://127.0.0.1:${port}` });
  const store = new GcsStore(storage.bucket("retry"));
  const started = Date.now();
  await store.put("k", new Uint8Array([1, 2, 3]));
  assert.ok(Date.now() - started >= 900, "backoff waited between attempts");
  failuresLeft = 1;
  nextStatus = 429;
  assert.deepEqual([...(await store.get("k"))!], [1, 2, 3]);
  assert.deepEqual(seen, [503, 429]);
});

test("GcsStore: a download cut short is retried and never returned short; a range answered with other bytes is refused", async (t) => {
  // A proxy in front of fake-gcs-server that, while `cut` says so, forwards a download's headers (its full
  // Content-Length) and only half its body, then drops the connection; `shiftRange` moves a range's start.
  const target = new URL(emu.env.STORAGE_API_ENDPOINT);
  let cut = 0;
  let shiftRange = false;
  const proxy: Server = createServer((req, res) => {
    const headers = { ...req.headers };
    if (shiftRange && typeof headers.range === "string") headers.range = headers.range.replace(/bytes=(\d+)/, (_, a: string) => `bytes=${Number(a) + 1}`);
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      const media = req.method === "GET" && /alt=media/.test(req.url ?? "");
      if (!media || cut === 0) return up.pipe(res);
      cut -= 1;
      const announced = Number(up.headers["content-length"]);
      let sent = 0;
      up.on("data", (chunk: Buffer) => {
        if (sent >= announced / 2) return;
        res.write(chunk.subarray(0, Math.max(0, Math.floor(announced / 2) - sent)));
        sent += chunk.length;
        if (sent >= announced / 2) res.socket?.destroy();
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  t.after(() => proxy.close());
  const port = (proxy.address() as AddressInfo).port;
  await storageClient(emu.config).createBucket("short");
  const retrying = storageClient({ ...emu.config, storageEndpoint: `http://127.0.0.1:${port}` });
  const store = new GcsStore(retrying.bucket("short"));
  const bytes = new Uint8Array(2_000_000).map((_, i) => (i * 13) % 251);
  await store.put("slab", bytes);
  cut = 1;
  assert.deepEqual(Buffer.from((await store.get("slab"))!), Buffer.from(bytes), "the cut download was retried whole");
  cut = 1;
  assert.deepEqual(Buffer.from((await store.getRange("slab", 1000, 500_000))!), Buffer.from(bytes.subarray(1000, 501_000)));
  assert.equal(cut, 0, "each read was cut once");
  // Cut on every attempt: the read fails, it does not hand back the bytes that came.
  const once = storageClient({ ...emu.config, storageEndpoint: `http://127.0.0.1:${port}` });
  once.retryOptions.maxRetries = 1;
  once.retryOptions.retryDelayMultiplier = 0.01;
  cut = 2;
  await assert.rejects(new GcsStore(once.bucket("short")).get("slab"), /ended after|aborted/);
  shiftRange = true;
  await assert.rejects(new GcsStore(once.bucket("short")).getRange("slab", 1000, 500), /asked bytes 1000\+500/);
});

test("run store contract: FirestoreRunStore on the Firestore emulator", async (t) => {
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  await runStoreContract(new FirestoreRunStore(db, "runs-contract"));
});

test("FirestoreRunStore: 40 concurrent completions of distinct tasks and 20 duplicates are exact", async (t) => {
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const store = new FirestoreRunStore(db, "runs-concurrent");
  const stamp = new Date().toISOString();
  await store.createRun({ run: "r", status: "rendering", config: {}, totals: {}, details: {}, createdAt: stamp, updatedAt: stamp });
  const ids = Array.from({ length: 40 }, (_, i) => `render-${i}`);
  const record = (id: string) => store.recordTask({ run: "r", id, stage: "render", status: "done", attempts: 1, durationMs: 1, outcome: { id } });
  const results = await Promise.all([...ids, ...ids.slice(0, 20)].map(record));
  assert.equal(results.filter(Boolean).length, 40);
  assert.deepEqual(await store.countTasks("r", "render"), { done: 40, failed: 0 });
});
