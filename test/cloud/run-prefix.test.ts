// In the cloud a run writes and deletes only under its own <run>/ prefix, and its finalize step gives the
// same bytes however often the workflow retries it (issue 11 items 1 and 3). The services run in-process on
// the emulators (Firestore, fake-gcs-server) with every storage request going through a recording proxy, so
// the test sees every write and delete any code path makes, not only the ones the core asks for.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Bucket } from "@google-cloud/storage";
import { storageClient } from "../../adapters/gcp/clients.js";
import { RetryableError } from "../../core/errors.js";
import { finalizeStep } from "../../core/pipeline/cloud-steps.js";
import type { ObjectStore, RunStore } from "../../core/ports.js";
import { REPO, startEmulators, type Emulators } from "./support/emulators.js";
import { post, readBucketTree, readTree } from "./support/pipeline.js";
import { fanOutAndPush, pipelineService } from "./support/pipeline-service.js";
import { sameRunObject } from "../support/run-bytes.js";

const CLI = path.join(REPO, "dist", "cli", "main.js");

interface Mutation {
  method: string;
  bucket: string;
  object: string;
}

let emu: Emulators;
let work: string;
let proxy: Server;
/** Two slices that align, cubes of 128 px (a reduce step), and the local run's id and output over them. */
let slices: string;
let local: string;
let run: string;
/** Every request that may change a bucket, as the proxy saw it. */
const mutations: Mutation[] = [];
const unknownMutations: string[] = [];

/** Which object a request writes or deletes: JSON API uploads name it in the query or the multipart metadata. */
function mutationOf(req: IncomingMessage, body: string): Mutation | undefined {
  const url = new URL(req.url ?? "/", "http://gcs");
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
  if (upload && req.method === "POST") {
    const name = url.searchParams.get("name") ?? /"name"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (name) return { method: "upload", bucket: decodeURIComponent(upload[1]), object: name };
  }
  const object = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
  if (object && req.method === "DELETE") return { method: "delete", bucket: decodeURIComponent(object[1]), object: decodeURIComponent(object[2]) };
  const bucket = /^\/storage\/v1\/b$/.exec(url.pathname);
  if (bucket && req.method === "POST") return { method: "create-bucket", bucket: "", object: "" };
  unknownMutations.push(`${req.method} ${req.url}`);
  return undefined;
}

before(async () => {
  emu = await startEmulators(["firestore", "gcs"]);
  work = mkdtempSync(path.join(tmpdir(), "emprefix-"));
  const target = new URL(emu.env.STORAGE_API_ENDPOINT);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const m = mutationOf(req, body.subarray(0, 8192).toString("latin1"));
      if (m) mutations.push(m);
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  slices = path.join(work, "slices");
  await promisify(execFile)(process.execPath, [CLI, "sample", slices, "--count", "2", "--size", "160x120", "--seed", "3"]);
  rmSync(path.join(slices, "ground-truth.json"));
  writeFileSync(path.join(slices, "ingest.json"), JSON.stringify({ cube: 128 }));
  local = path.join(work, "local");
  const localRun = await promisify(execFile)(process.execPath, [CLI, "run", slices, "--out", local, "--workers", "1", "--json"], { maxBuffer: 1 << 24 });
  run = JSON.parse(localRun.stdout).run as string;
});
after(async () => {
  proxy?.close();
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every object of the bucket: name -> generation and bytes. */
async function bucketState(bucket: Bucket): Promise<Map<string, string>> {
  const [files] = await bucket.getFiles();
  const out = new Map<string, string>();
  for (const f of files) out.set(f.name, `${String(f.metadata.generation)} ${(await f.download({ decompress: false }))[0].toString("base64")}`);
  return out;
}

test("the cloud pipeline writes and deletes only under its <run>/ prefix; finalize twice changes nothing; foreign objects stay", async (t) => {
  const storage = storageClient({ ...emu.config, storageEndpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
  const service = await pipelineService(emu, "prefix", { slices, storage });
  t.after(() => service.close());
  const { src, dst, svc } = service;
  // Objects the run did not write, beside and inside its prefix, named like its own.
  const foreign = [`${run}x/tmp/plan.json`, `other/${run}/tmp/plan.json`, "tmp/render/0/0_0.raw", "notes.partial", `${run}/tmp/foreign.bin`, `${run}/notes.txt`];
  for (const name of foreign) await dst.file(name).save(Buffer.from(`not the run's: ${name}`));
  const before = await bucketState(dst);
  const srcBefore = await bucketState(src);

  mutations.length = 0;

  const started = await post(`${svc.url}/steps/start`, { source: "gs://prefix-src/stack" });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  assert.equal(started.body.run, run);
  for (const name of ["features", "align", "bridge"]) await fanOutAndPush(service, run, name);
  assert.equal((await post(`${svc.url}/steps/plan`, { run })).status, 200);
  for (const name of ["render", "pyramid"]) await fanOutAndPush(service, run, name);
  const first = await post(`${svc.url}/steps/finalize`, { run });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const afterFirst = await readBucketTree(dst, `${run}/`);
  const second = await post(`${svc.url}/steps/finalize`, { run });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.deepEqual(second.body, first.body, "a retried finalize returns the same summary");

  assert.deepEqual(unknownMutations, [], "every request that may change a bucket is one the test understands");
  const outside = mutations.filter((m) => m.bucket !== "prefix-out" || !m.object.startsWith(`${run}/`));
  assert.deepEqual(outside, [], "nothing written or deleted outside the run's prefix");
  const uploaded = new Set(mutations.filter((m) => m.method === "upload").map((m) => m.object));
  for (const key of (await readBucketTree(dst, `${run}/`)).keys()) {
    if (!key.startsWith("notes") && key !== "tmp/foreign.bin") assert.ok(uploaded.has(`${run}/${key}`), `the proxy saw ${key} written`);
  }
  assert.ok(mutations.some((m) => m.method === "delete" && m.object === `${run}/tmp/plan.json`), "the run deleted its own tmp/");
  assert.ok(!mutations.some((m) => m.object === `${run}/tmp/foreign.bin` || m.object === `${run}/notes.txt`), "nor an object under its prefix it did not write");
  const afterAll = await bucketState(dst);
  for (const name of foreign) assert.equal(afterAll.get(name), before.get(name), `${name} is unchanged`);
  assert.deepEqual(await bucketState(src), srcBefore, "the source bucket is unchanged");

  // The run's own objects equal the local run's, byte for byte; the second finalize changed none of them.
  const cloud = await readBucketTree(dst, `${run}/`);
  assert.deepEqual([...cloud].map(([k, v]) => [k, v.toString("base64")]), [...afterFirst].map(([k, v]) => [k, v.toString("base64")]));
  const reference = await readTree(local);
  const ours = [...cloud.keys()].filter((k) => k !== "tmp/foreign.bin" && k !== "notes.txt");
  assert.deepEqual(ours, [...reference.keys()]);
  for (const [key, bytes] of reference) assert.ok(sameRunObject(key, bytes, cloud.get(key)), `${key} differs from the local run`);
});

/** Fails the n-th write (put, delete, run-state change) and every one after: a finalize step that dies part-way. */
class Tripwire {
  count = 0;
  constructor(readonly failAt: number) {}
  step(what: string): void {
    this.count += 1;
    if (this.count >= this.failAt) throw new RetryableError(`injected failure at write ${this.count} (${what})`);
  }
}

function trippingStore(store: ObjectStore, wire: Tripwire): ObjectStore {
  return {
    get: (k) => store.get(k),
    getVersioned: (k) => store.getVersioned(k),
    getRange: (k, o, l) => store.getRange(k, o, l),
    list: (p) => store.list(p),
    listVersions: (p) => store.listVersions(p),
    put: async (k, b, o) => {
      wire.step(`put ${k}`);
      await store.put(k, b, o);
    },
    delete: async (k) => {
      wire.step(`delete ${k}`);
      await store.delete(k);
    },
  };
}

function trippingRuns(runs: RunStore, wire: Tripwire): RunStore {
  return {
    getRun: (r) => runs.getRun(r),
    createRun: (r) => runs.createRun(r),
    getTask: (r, i) => runs.getTask(r, i),
    listTasks: (r, s) => runs.listTasks(r, s),
    countTasks: (r, s) => runs.countTasks(r, s),
    recordTask: (r) => runs.recordTask(r),
    updateRun: async (r, p) => {
      wire.step(`update run ${p.status ?? ""}`);
      return runs.updateRun(r, p);
    },
  };
}

test("the cloud finalize step, failing after any one of its writes and retried, ends in the same bytes and record", async (t) => {
  const service = await pipelineService(emu, "retry", { slices });
  t.after(() => service.close());
  const { dst, runs, locator, svc } = service;
  assert.equal((await post(`${svc.url}/steps/start`, { source: "gs://retry-src/stack" })).body.run, run);
  for (const name of ["features", "align", "bridge", "plan", "render", "pyramid"]) {
    if (name === "plan") {
      assert.equal((await post(`${svc.url}/steps/plan`, { run })).status, 200);
      continue;
    }
    await fanOutAndPush(service, run, name);
  }
  // The state the finalize step starts from, restored before every attempt.
  const ready = await readBucketTree(dst, `${run}/`);
  const readyRecord = (await runs.getRun(run))!;
  const restore = async () => {
    const [files] = await dst.getFiles({ prefix: `${run}/` });
    for (const f of files) await f.delete();
    for (const [key, bytes] of ready) await dst.file(`${run}/${key}`).save(bytes);
    await runs.updateRun(run, { status: readyRecord.status, details: { summary: undefined, finalizeOutputs: undefined, reduceOutputs: undefined, finishedAt: undefined } });
  };
  const deps = await locator.stepDeps(run);
  const clean = await finalizeStep(deps);
  const cleanTree = [...(await readBucketTree(dst, `${run}/`))].map(([k, v]) => [k, v.toString("base64")]);
  const cleanDetails = (await runs.getRun(run))!.details;
  assert.ok(!cleanTree.some(([k]) => k.startsWith("tmp/")), "a finished run leaves no tmp/");

  let failAt = 1;
  for (; ; failAt++) {
    await restore();
    const wire = new Tripwire(failAt);
    const firstTry = await finalizeStep({ ...deps, out: trippingStore(deps.out, wire), runs: trippingRuns(runs, wire) }).then(
      () => "finished",
      (error: unknown) => String(error),
    );
    if (firstTry === "finished") break;
    assert.match(firstTry, /injected failure at write/);
    const retried = await finalizeStep(deps);
    assert.deepEqual(retried, clean, `retry after failing at write ${failAt}: the summary`);
    const tree = [...(await readBucketTree(dst, `${run}/`))].map(([k, v]) => [k, v.toString("base64")]);
    assert.deepEqual(tree, cleanTree, `retry after failing at write ${failAt}: the objects`);
    const record = (await runs.getRun(run))!;
    assert.equal(record.status, "done");
    for (const key of ["summary", "finalizeOutputs", "reduceOutputs"] as const) assert.deepEqual(record.details[key], cleanDetails[key], `retry after failing at write ${failAt}: ${key}`);
  }
  // Every write of the step was a failure point: the status update, the reduce, the report, the done mark, each delete.
  t.diagnostic(`finalize failure points exercised: ${failAt - 1}`);
  assert.ok(failAt - 1 >= 10, `finalize made ${failAt - 1} writes`);
});
