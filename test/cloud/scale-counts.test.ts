// The counting a service instance does for the scale runs (cloud-runtime/operation-counts.ts): asked for by
// OPERATION_COUNTS_FILE alone, publishes counted once accepted, and the counts written whole when the
// process stops on SIGTERM (what test/cloud/support/scale-instances.ts reads back from each instance).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { countingQueue, zeroCounts } from "../../cloud-runtime/operation-counts.js";
import { serviceConfigFromEnv } from "../../cloud-runtime/service-deps.js";
import type { TaskMessage } from "../../core/ports.js";
import { isStarted, startService } from "../hostile/support/service-process.js";

const ENV = {
  PATH: process.env.PATH ?? "",
  GOOGLE_CLOUD_PROJECT: "counts-test",
  // Nothing listens there: a service that only starts and stops never calls them.
  STORAGE_API_ENDPOINT: "http://127.0.0.1:9",
  FIRESTORE_EMULATOR_HOST: "127.0.0.1:9",
  PUBSUB_EMULATOR_HOST: "127.0.0.1:9",
  METADATA_SERVER_DETECTION: "none",
  SOURCE_BUCKETS: "src",
  OUTPUT_BUCKET: "out",
  PORT: "0",
  HOST: "127.0.0.1",
};

test("OPERATION_COUNTS_FILE, and only it, asks a service to count", () => {
  assert.equal(serviceConfigFromEnv(ENV).countsFile, undefined);
  assert.equal(serviceConfigFromEnv({ ...ENV, OPERATION_COUNTS_FILE: "" }).countsFile, undefined);
  assert.equal(serviceConfigFromEnv({ ...ENV, OPERATION_COUNTS_FILE: "/tmp/c.json" }).countsFile, "/tmp/c.json");
});

test("the counting queue counts each accepted message and its task JSON's bytes, and nothing of a publish that failed", async () => {
  const counts = zeroCounts().pubsub;
  const published: TaskMessage[] = [];
  let fail = false;
  const queue = countingQueue(
    {
      publish: async (tasks) => {
        if (fail) throw new Error("unavailable");
        published.push(...tasks);
      },
    },
    counts,
  );
  const tasks: TaskMessage[] = [
    { id: "render-1", run: "run-a", stage: "render", z: 1 },
    { id: "render-10", run: "run-a", stage: "render", z: 10 },
    { id: "pyramid-0-0-0", run: "run-a", stage: "pyramid", cube: [0, 0, 0] },
  ];
  await queue.publish(tasks);
  assert.equal(published.length, 3);
  const sizes = tasks.map((t) => Buffer.byteLength(JSON.stringify(t)));
  assert.deepEqual(counts, { messages: 3, bytes: sizes[0] + sizes[1] + sizes[2], largest: Math.max(...sizes), byStage: { render: 2, pyramid: 1 } });
  fail = true;
  await assert.rejects(queue.publish(tasks), /unavailable/);
  assert.equal(counts.messages, 3, "a failed publish is not counted");
});

test("a service process asked to count writes its counts when stopped with SIGTERM, whole", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emcounts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "emwrite.json");
  const counted = await startService("emwrite", { ...ENV, OPERATION_COUNTS_FILE: file });
  assert.ok(isStarted(counted), JSON.stringify(counted));
  assert.equal((await fetch(`http://127.0.0.1:${counted.port}/healthz`)).status, 200);
  assert.equal(existsSync(file), false, "nothing is written before the process stops");
  assert.equal(await counted.stop(), 0);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), zeroCounts());
  assert.equal(existsSync(`${file}.tmp`), false);
});

