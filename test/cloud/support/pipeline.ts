// Helpers for emulated-cloud runs: sample stacks, the local reference run, bucket uploads and trees, and an
// in-process service on 127.0.0.1.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import type { Bucket } from "@google-cloud/storage";
import type { ExecutionsClient } from "@google-cloud/workflows";
import type { RequestListener } from "../../../cloud-runtime/app.js";
import type { RunRecord, RunStore } from "../../../core/ports.js";
import { REPO } from "./emulators.js";
import { sameRunObject } from "../../support/run-bytes.js";

const run = promisify(execFile);
const CLI = path.join(REPO, "dist", "cli", "main.js");

export async function makeStack(dir: string, count: number, size: number, config: Record<string, unknown>): Promise<void> {
  await run(process.execPath, [CLI, "sample", dir, "--count", String(count), "--size", String(size)]);
  await fs.rm(path.join(dir, "ground-truth.json"), { force: true });
  await fs.writeFile(path.join(dir, "ingest.json"), JSON.stringify(config));
}

/** The local mode on the same input: the reference the cloud output must equal byte for byte. */
export async function localRun(slices: string, out: string): Promise<void> {
  await run(process.execPath, [CLI, "run", slices, "--out", out, "--workers", "1"], { maxBuffer: 1 << 24 });
}

export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      if (e.name === ".emingest") continue;
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), key);
      else out.set(key, await fs.readFile(path.join(d, e.name)));
    }
  };
  await walk(dir, "");
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export async function readBucketTree(bucket: Bucket, prefix: string): Promise<Map<string, Buffer>> {
  const [files] = await bucket.getFiles({ prefix });
  const out = new Map<string, Buffer>();
  for (const f of files) out.set(f.name.slice(prefix.length), (await f.download({ decompress: false }))[0]);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The run's objects in the bucket equal the local reference run's files byte for byte; returns how many. */
export async function assertSameAsLocal(bucket: Bucket, run: string, local: string): Promise<number> {
  const cloud = await readBucketTree(bucket, `${run}/`);
  const reference = await readTree(local);
  assert.deepEqual([...cloud.keys()], [...reference.keys()]);
  for (const [key, bytes] of reference) assert.ok(sameRunObject(key, bytes, cloud.get(key)), `${key} differs from the local run`);
  return reference.size;
}

/** The run's record once it is done or failed. */
export function runEnded(runs: Pick<RunStore, "getRun">, run: string, timeoutMs: number): Promise<RunRecord> {
  return waitFor(
    `run ${run} to finish`,
    async () => {
      const r = await runs.getRun(run);
      return r && (r.status === "done" || r.status === "failed") ? r : undefined;
    },
    timeoutMs,
    500,
  );
}

export async function uploadFolder(bucket: Bucket, prefix: string, dir: string, last?: string): Promise<void> {
  const names = (await fs.readdir(dir)).filter((n) => n !== last).sort();
  for (const name of names) await bucket.file(`${prefix}${name}`).save(await fs.readFile(path.join(dir, name)));
  if (last) await bucket.file(`${prefix}${last}`).save(await fs.readFile(path.join(dir, last)));
}

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function listen(app: RequestListener): Promise<Listening> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export function envelope(task: unknown, messageId = "1"): unknown {
  return {
    message: { data: Buffer.from(JSON.stringify(task)).toString("base64"), attributes: {}, messageId, publishTime: new Date().toISOString() },
    subscription: "projects/p/subscriptions/s",
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls the Executions API until the execution leaves ACTIVE (2 minutes at most); returns the final execution. */
export async function waitForExecution(client: ExecutionsClient, name: string | null | undefined) {
  return waitFor(
    "the execution",
    async () => {
      const [e] = await client.getExecution({ name });
      return e.state === "ACTIVE" ? undefined : e;
    },
    120_000,
    500,
  );
}
