// The upload function as packaged: the archive is built by the steps of terraform/build/function-package.yaml
// (read from that file, run in their builder images over the sources `gcloud builds submit` would upload),
// unpacked into an empty folder, installed with `npm ci --omit=dev` and started with the Functions
// Framework's own CLI under the image's Node 22, as the nodejs22 runtime does. A storage "finalized" event
// delivered to it must create the run on the emulators, publish its first tasks and start the workflow.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Subscription } from "@google-cloud/pubsub";
import { firestoreClient, pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { REPO, startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { type ExecutionsShim } from "../cloud/support/executions-shim.js";
import { createFunctionWorld, postFinalized } from "../cloud/support/function-world.js";
import { makeStack, uploadFolder, waitFor } from "../cloud/support/pipeline.js";
import { cleanUp, freePort, startDocker, type Container, type Docker } from "./support/docker.js";

const exec = promisify(execFile);
const BASE = "node:22-bookworm-slim";
/** gcr.io/cloud-builders/gcloud is not reachable here: a builder with what the package step uses (bash,
 * python3, and `gcloud storage cp`, which writes to the folder mounted at /uploads instead of a bucket). */
const GCLOUD_BUILDER = "emingest-test-gcloud-builder:local";
const DESTINATION = "gs://emingest-build/function/ingest-test.zip";

let docker: Docker;
let emu: Emulators;
let work: string;
let shim: ExecutionsShim;
let features: Subscription;
let fn: Container;
let fnUrl: string;
let archive: string;

interface Step {
  name: string;
  entrypoint?: string;
  args: string[];
}

/** What `gcloud builds submit .` uploads: the repository without what .gitignore ignores (gcloud's default). */
async function stageSources(into: string): Promise<void> {
  const { stdout } = await exec("git", ["-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { maxBuffer: 1 << 26 });
  for (const file of stdout.split("\0").filter(Boolean)) {
    const from = path.join(REPO, file);
    if (!existsSync(from)) continue;
    mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    cpSync(from, path.join(into, file));
  }
}

async function runBuild(workspace: string, uploads: string): Promise<void> {
  const { stdout } = await exec(path.join(REPO, ".tools", "wfvenv", "bin", "python"), [
    "-c",
    "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
    path.join(REPO, "terraform", "build", "function-package.yaml"),
  ]);
  const config = JSON.parse(stdout) as { steps: Step[] };
  const builders: Record<string, string> = { [BASE]: BASE, "gcr.io/cloud-builders/gcloud": GCLOUD_BUILDER };
  for (const step of config.steps) {
    const image = builders[step.name];
    assert.ok(image, `no stand-in for the builder ${step.name}`);
    // Cloud Build substitutes ${_NAME} in every argument before it runs the step.
    const args = step.args.map((a) => a.replaceAll("${_DESTINATION}", DESTINATION));
    await docker.cli(["run", "--rm", "--network", "host", "-v", `${workspace}:/workspace`, "-v", `${uploads}:/uploads`, "-w", "/workspace", ...(step.entrypoint ? ["--entrypoint", step.entrypoint] : []), image, ...args]);
  }
}

before(async () => {
  docker = await startDocker();
  [, emu] = await Promise.all([docker.build(["base"]), startEmulators(["pubsub", "firestore", "gcs"])]);
  work = mkdtempSync(path.join(tmpdir(), "emfnpkg-"));
  const gcloud = ["#!/bin/sh", "# gcloud storage cp FILE gs://BUCKET/OBJECT -> /uploads/BUCKET/OBJECT", 'set -eu', '[ "$1 $2" = "storage cp" ] || { echo "gcloud stand-in: only storage cp" >&2; exit 2; }', 'dest=/uploads/${4#gs://}', 'mkdir -p "$(dirname "$dest")"', 'cp "$3" "$dest"', ""].join("\n");
  const dockerfile = [`FROM ${BASE}`, "RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*", `RUN printf '%s' '${Buffer.from(gcloud).toString("base64")}' | base64 -d > /usr/local/bin/gcloud && chmod 0755 /usr/local/bin/gcloud`].join("\n");
  await docker.cli(["build", "--network", "host", "-q", "-t", GCLOUD_BUILDER, "-"], dockerfile);

  const workspace = path.join(work, "workspace");
  const uploads = path.join(work, "uploads");
  mkdirSync(uploads);
  await stageSources(workspace);
  await runBuild(workspace, uploads);
  archive = path.join(uploads, DESTINATION.slice("gs://".length));

  ({ features, shim } = await createFunctionWorld(emu, work));
});

after(async () => {
  await cleanUp(shim?.close, docker?.stop, emu?.stop, () => work && rmSync(work, { recursive: true, force: true }));
});

test("the archive Terraform uploads holds the compiled function, package.json with main at it, and the lock file, nothing else", async (t) => {
  const { stdout } = await exec("python3", ["-m", "zipfile", "-l", archive], { maxBuffer: 1 << 24 });
  const names = stdout.split("\n").slice(1).map((l) => l.split(/\s+\d{4}-\d\d-\d\d /)[0].trim()).filter(Boolean);
  const top = [...new Set(names.map((n) => n.split("/")[0]))].sort();
  assert.deepEqual(top, ["dist", "package-lock.json", "package.json"]);
  assert.ok(names.includes("dist/functions/ingest/index.js"), "the entry point is in the archive");
  assert.ok(!names.some((n) => n.startsWith("dist/test/") || n.startsWith("dist/bench/") || n.endsWith(".ts")), "no tests, benchmarks or sources");
  const unpacked = path.join(work, "listing");
  await exec("python3", ["-m", "zipfile", "-e", archive, unpacked]);
  const pkg = JSON.parse(readFileSync(path.join(unpacked, "package.json"), "utf8")) as Record<string, unknown>;
  assert.equal(pkg.main, "dist/functions/ingest/index.js");
  assert.equal(pkg.scripts, undefined, "no scripts: the Cloud Functions build must not run `build`");
  t.diagnostic(`${DESTINATION}: ${readFileSync(archive).length} bytes, ${names.length} entries`);
});

test("installed with npm ci --omit=dev in an empty folder and started with functions-framework: a finalized event starts one run", async (t) => {
  // An empty folder holding only what the archive holds, as the Cloud Functions build receives it.
  const app = path.join(work, "app");
  await exec("python3", ["-m", "zipfile", "-e", archive, app]);
  writeFileSync(path.join(work, "listen-loopback.js"), readFileSync(path.join(REPO, "dist", "test", "images", "support", "listen-loopback.js")));
  await docker.cli(["run", "--rm", "--network", "host", "-v", `${app}:/workspace`, "-w", "/workspace", BASE, "npm", "ci", "--omit=dev", "--no-audit", "--no-fund"]);
  assert.ok(existsSync(path.join(app, "node_modules", "@google-cloud", "functions-framework")));
  assert.ok(!existsSync(path.join(app, "node_modules", "typescript")), "no dev dependencies");

  const port = await freePort();
  fn = await docker.start(BASE, {
    network: "host",
    volumes: [`${app}:/workspace:ro`, `${work}/listen-loopback.js:/shim/listen-loopback.js:ro`],
    entrypoint: "node",
    command: ["--import", "/shim/listen-loopback.js", "/workspace/node_modules/.bin/functions-framework", "--target=ingest", "--signature-type=cloudevent", `--source=/workspace`],
    env: {
      PORT: String(port),
      GOOGLE_CLOUD_PROJECT: emu.config.projectId,
      STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT,
      FIRESTORE_EMULATOR_HOST: emu.env.FIRESTORE_EMULATOR_HOST,
      PUBSUB_EMULATOR_HOST: emu.env.PUBSUB_EMULATOR_HOST,
      METADATA_SERVER_DETECTION: "none",
      SOURCE_BUCKETS: "fn-src",
      OUTPUT_BUCKET: "fn-out",
      ALIGN_TOPIC: "emingest-align",
      EMWRITE_TOPIC: "emingest-emwrite",
      RUNS_COLLECTION: "runs",
      TRIGGERS_COLLECTION: "triggers",
      WORKFLOW_LOCATION: "us-central1",
      WORKFLOW_NAME: "ingest",
      WORKFLOWS_ENDPOINT: shim.url,
    },
  });
  fnUrl = `http://127.0.0.1:${port}`;
  await waitFor("the function to listen", async () => (fn.lines.some((l) => /Serving function/.test(l)) ? true : undefined), 60_000, 100).catch((error: unknown) => {
    throw new Error(`${String(error)}; output:\n${fn.lines.join("\n")}`);
  });
  // Bound to loopback only: the listening socket of that port in the container's (the host's) table.
  const tcp = await docker.cli(["exec", fn.id, "cat", "/proc/net/tcp", "/proc/net/tcp6"]);
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const listening = tcp.split("\n").filter((l) => l.includes(`:${hex} `) && / 0A /.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  assert.deepEqual(listening, [`0100007F:${hex}`]);

  const slices = path.join(work, "s");
  await makeStack(slices, 3, 128, { cube: 64 });
  const bucket = storageClient(emu.config).bucket("fn-src");
  await uploadFolder(bucket, "stack/", slices, "ingest.json");
  const [meta] = await bucket.file("stack/ingest.json").getMetadata();
  const finalized = (name: string, generation: string, id: string) => postFinalized(fnUrl, { bucket: "fn-src", name, generation, id });
  assert.equal(await finalized("stack/img00001.png", "1", "e1"), 204, "a slice upload is ignored");
  assert.equal(shim.executions.length, 0);
  assert.equal(await finalized("stack/ingest.json", String(meta.generation), "e2"), 204);
  assert.equal(await finalized("stack/ingest.json", String(meta.generation), "e3"), 204, "the same upload delivered again");
  assert.equal(shim.executions.length, 1, fn.lines.join("\n"));
  const argument = JSON.parse(shim.executions[0].argument) as { run: string; source: string; published: string[] };
  assert.equal(argument.source, "gs://fn-src/stack");
  assert.deepEqual(argument.published, ["features"]);
  const db = firestoreClient(emu.config);
  t.after(() => db.terminate());
  const run = await new FirestoreRunStore(db).getRun(argument.run);
  assert.equal(run?.totals.slices, 3);
  const { v1 } = await import("@google-cloud/pubsub");
  const config = await pubsubClient(emu.config).getClientConfig();
  const client = new v1.SubscriberClient({ ...config, port: config.port === undefined ? undefined : Number(config.port) });
  t.after(() => client.close());
  const [pulled] = await client.pull({ subscription: features.name, maxMessages: 100 });
  assert.equal(pulled.receivedMessages?.length, 3, "one features task per slice published");
});
