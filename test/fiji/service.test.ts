// services/fiji with REAL headless ImageJ (net.imagej:ij from scripts/imagej.sh, under xvfb-run) and the
// emulated bucket (fake-gcs-server): macros open an input fetched through input-map, filter it and save it;
// the output lands in the bucket and is checked pixel by pixel against numpy (tools/python/fiji_filter_oracle.py).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Storage } from "@google-cloud/storage";
import { storageClient } from "../../adapters/gcp/clients.js";
import { gcsBucketIO } from "../../adapters/gcp/gcs-bucket-io.js";
import { ProcessSandbox, type SandboxOptions } from "../../adapters/process/fiji-sandbox.js";
import { downsampleImageFile } from "../../core/fiji/downsample.js";
import { silentLogger } from "../../cloud-runtime/log.js";
import { createFijiApp } from "../../services/fiji/app.js";
import { startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { runPythonJson } from "../support/python.js";
import { imagejPaths, installImageJ, JOB_USER, listen, noisePng, post, scratchRoot } from "./support/imagej.js";
import { observedSandbox } from "./support/scratch-fakes.js";

const BUCKET = "fiji-data";
/** Allowed by the policy but never created: a request naming it can never succeed. */
const ABSENT = "fiji-absent";
let emu: Emulators;
let storage: Storage;
let jar: string;
let scratch: string;
let work: string;
const servers: Server[] = [];
/** The macro of every command the apps' sandboxes started, in order. */
const started: string[] = [];

function startApp(sandbox: Partial<SandboxOptions> = {}, maxJobs = 1): Promise<string> {
  const server = createServer(
    createFijiApp({
      io: gcsBucketIO(storage),
      sandbox: observedSandbox(new ProcessSandbox({ root: scratch, runAs: JOB_USER, timeoutMs: 60_000, javaHeapMb: 256, xvfb: true, readOnlyPaths: imagejPaths(jar), ...sandbox }), (inputs) =>
        started.push(inputs.get("macro.ijm") ?? ""),
      ),
      downsample: downsampleImageFile,
      policy: { buckets: [BUCKET, ABSENT], executables: { java: "/usr/bin/java" } },
      maxJobs,
      log: silentLogger,
    }),
  );
  servers.push(server);
  return listen(server);
}

const ij = () => `java -Djava.awt.headless=false -jar ${jar} -batch macro.ijm`;

async function download(object: string): Promise<Buffer> {
  const [data] = await storage.bucket(BUCKET).file(object).download();
  return data;
}

async function oracle(op: string, input: Buffer, output: Buffer, ...extra: string[]) {
  const a = path.join(work, `${op}-in.png`);
  const b = path.join(work, `${op}-out`);
  writeFileSync(a, input);
  writeFileSync(b, output);
  return runPythonJson<{ shape: number[]; mismatches: number; max_diff: number; first: number[][] }>("fiji_filter_oracle.py", [op, a, b, ...extra]);
}

function assertScratchEmpty() {
  assert.deepEqual(readdirSync(scratch), [], "every scratch directory is removed");
}

let input: Buffer;
let url: string;
before(async () => {
  const [installed, emulators] = await Promise.all([installImageJ(), startEmulators(["gcs"])]);
  emu = emulators;
  jar = installed.jar;
  process.stderr.write(`# imagej.sh ${installed.ms} ms, emulators ${emu.startMs} ms\n`);
  storage = storageClient(emu.config);
  await storage.createBucket(BUCKET);
  await storage.createBucket("elsewhere");
  scratch = scratchRoot();
  work = mkdtempSync(path.join(tmpdir(), "fiji-test-"));
  input = await noisePng(37, 29, 7);
  await storage.bucket(BUCKET).file("in/slice.png").save(input);
  url = await startApp();
});
after(async () => {
  for (const s of servers) s.close();
  await emu?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

test("invert: input from the bucket, output in the bucket, 255 - v at every pixel; runs as the unprivileged user", async () => {
  const macro = ['open("in.png");', 'run("Invert");', 'saveAs("PNG", getDirectory("current") + "out.png");', 'print("user=" + getInfo("user.name"));'].join("\n");
  const res = await post(url, {
    command: ij(),
    "input-str": { "macro.ijm": macro },
    "input-map": { "in.png": `gs://${BUCKET}/in/slice.png` },
    "output-map": { "out.png": `gs://${BUCKET}/out/invert.png`, "never.txt": `gs://${BUCKET}/out/never.txt` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.exitCode, 0, String(res.body.stderr));
  assert.deepEqual(res.body.missingOutputs, ["never.txt"]);
  assert.equal(res.body.ok, false, "a mapped output that was not written makes the job not ok");
  assert.deepEqual(res.body.outputs, { "out.png": { url: `gs://${BUCKET}/out/invert.png`, bytes: (await download("out/invert.png")).length } });
  if (JOB_USER) assert.match(String(res.body.stdout), /user=nobody/);
  const check = await oracle("invert", input, await download("out/invert.png"));
  assert.deepEqual(check, { shape: [29, 37], mismatches: 0, max_diff: 0, first: [] });
  const [exists] = await storage.bucket(BUCKET).file("out/never.txt").exists();
  assert.equal(exists, false);
  assertScratchEmpty();
});

test("Mean radius=1 saved as TIFF equals numpy's 3x3 edge-padded mean, pixel by pixel", async () => {
  const macro = 'open("in.png");\nrun("Mean...", "radius=1");\nsaveAs("Tiff", getDirectory("current") + "mean.tif");\n';
  const res = await post(url, {
    command: ij(),
    "input-str": { "macro.ijm": macro },
    "input-map": { "in.png": `gs://${BUCKET}/in/slice.png` },
    "output-map": { "mean.tif": `gs://${BUCKET}/out/mean.tif` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ok, true, String(res.body.stderr));
  const check = await oracle("mean3", input, await download("out/mean.tif"));
  assert.deepEqual(check, { shape: [29, 37], mismatches: 0, max_diff: 0, first: [] });
  assertScratchEmpty();
});

test("input-map ?downsample=2: ImageJ sees the box-downsampled image", async () => {
  const macro = 'open("small.png");\nprint("size=" + getWidth() + "x" + getHeight());\nrun("Invert");\nsaveAs("PNG", getDirectory("current") + "out.png");\n';
  const res = await post(url, {
    command: ij(),
    "input-str": { "macro.ijm": macro },
    "input-map": { "small.png": `gs://${BUCKET}/in/slice.png?downsample=2` },
    "output-map": { "out.png": `gs://${BUCKET}/out/ds-invert.png` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(String(res.body.stdout), /size=18x14/);
  const check = await oracle("ds-invert", input, await download("out/ds-invert.png"), "2");
  assert.deepEqual(check, { shape: [14, 18], mismatches: 0, max_diff: 0, first: [] });
  assertScratchEmpty();
});

test("a failing macro is a 200 with the job's exit code and ImageJ's error text; nothing is uploaded", async () => {
  const res = await post(url, {
    command: ij(),
    "input-str": { "macro.ijm": 'open("nope.png");\nsaveAs("PNG", getDirectory("current") + "out.png");\n' },
    "output-map": { "out.png": `gs://${BUCKET}/out/failed.png` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(typeof res.body.exitCode, "number");
  assert.equal(res.body.ok, false);
  assert.match(`${String(res.body.stdout)}\n${String(res.body.stderr)}`, /File not found/);
  assert.deepEqual(res.body.missingOutputs, ["out.png"]);
  assert.equal((await storage.bucket(BUCKET).file("out/failed.png").exists())[0], false);
  assertScratchEmpty();
});

test("bad requests: 400 naming the field; a missing input object is 422 naming it", async () => {
  const good = { command: ij(), "input-str": { "macro.ijm": "" } };
  const cases: Array<[unknown, string]> = [
    [{ "input-str": {} }, "command"],
    [{ ...good, command: "bash -c id" }, "command"],
    [{ ...good, command: "java -jar x.jar | tee y" }, "command"],
    [{ ...good, "input-map": { "a.png": "https://x/y" } }, "input-map.a.png"],
    [{ ...good, "input-map": { "a.png": "gs://elsewhere/y.png" } }, "input-map.a.png"],
    [{ ...good, "input-map": { "../a.png": `gs://${BUCKET}/y.png` } }, "input-map.../a.png"],
    [{ ...good, "output-map": { "/etc/passwd": `gs://${BUCKET}/y` } }, "output-map./etc/passwd"],
    [{ ...good, "output-map": { "sub/out.png": `gs://${BUCKET}/y` } }, "output-map.sub/out.png"],
    [{ ...good, "output-map": { "o.png": `gs://${BUCKET}/../y` } }, "output-map.o.png"],
    [{ ...good, "input-str": { "m.ijm": 3 } }, "input-str.m.ijm"],
    [{ ...good, surprise: 1 }, "surprise"],
    ["not json", "body"],
  ];
  for (const [body, field] of cases) {
    const res = await post(url, body);
    assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`);
    assert.equal(res.body.field, field, JSON.stringify(res.body));
  }
  const missing = await post(url, { ...good, "input-map": { "in.png": `gs://${BUCKET}/in/absent.png` } });
  assert.equal(missing.status, 422);
  assert.equal(missing.body.field, "input-map.in.png");
  assert.equal(missing.body.fault, undefined, "the bucket exists: the object is what is missing");
  assert.match(String(missing.body.error), /gs:\/\/fiji-data\/in\/absent\.png does not exist/);
  assertScratchEmpty();
});

test("a missing bucket is 422 naming the map entry, bucket and object, before the command runs: an input's and an output's alike", async () => {
  const macro = 'open("in.png");\nrun("Invert");\nsaveAs("PNG", getDirectory("current") + "out.png");\n';
  const input = await post(url, {
    command: ij(),
    "input-str": { "macro.ijm": macro },
    "input-map": { "in.png": `gs://${ABSENT}/in/slice.png` },
    "output-map": { "out.png": `gs://${BUCKET}/out/never-run.png` },
  });
  assert.equal(input.status, 422, JSON.stringify(input.body));
  assert.deepEqual(input.body, {
    error: `input-map.in.png: reading gs://${ABSENT}/in/slice.png: bucket "${ABSENT}" does not exist (404 Not Found)`,
    field: "input-map.in.png",
    bucket: ABSENT,
    object: "in/slice.png",
    fault: "bucket-not-found",
  });
  assert.equal((await storage.bucket(BUCKET).file("out/never-run.png").exists())[0], false);
  // Whether ImageJ ran: the sandbox reports every command it starts (the job itself may write nowhere that
  // outlives it). The same macro with a good bucket shows the count works.
  const marked = `// marked\n${macro}`;
  const starts = () => started.filter((m) => m === marked).length;
  const request = (bucket: string) => ({
    command: ij(),
    "input-str": { "macro.ijm": marked },
    "input-map": { "in.png": `gs://${BUCKET}/in/slice.png` },
    "output-map": { "out.png": `gs://${bucket}/out/invert-marked.png` },
  });
  const control = await post(url, request(BUCKET));
  assert.equal(control.status, 200, JSON.stringify(control.body));
  assert.equal(control.body.ok, true, String(control.body.stderr));
  assert.equal(starts(), 1, "the control run started ImageJ");
  const output = await post(url, request(ABSENT));
  assert.equal(output.status, 422, JSON.stringify(output.body));
  assert.equal(starts(), 1, "the output bucket is probed before ImageJ starts");
  assert.deepEqual(output.body, {
    error: `output-map.out.png: writing gs://${ABSENT}/out/invert-marked.png: bucket "${ABSENT}" does not exist (404 Not Found)`,
    field: "output-map.out.png",
    bucket: ABSENT,
    object: "out/invert-marked.png",
    fault: "bucket-not-found",
  });
  assert.equal((await storage.bucket(ABSENT).exists())[0], false, "the probe does not create the bucket");
  assertScratchEmpty();
});

test("timeout: the job's whole process group is killed, 200 with timedOut; a second job meanwhile gets 429", async () => {
  const slow = await startApp({ timeoutMs: 4000 });
  const body = { command: ij(), "input-str": { "macro.ijm": 'wait(60000);\nprint("late");\n' } };
  const first = post(slow, body);
  await new Promise((r) => setTimeout(r, 300));
  const second = await post(slow, body);
  assert.equal(second.status, 429);
  const res = await first;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.timedOut, true);
  assert.equal(res.body.ok, false);
  assert.doesNotMatch(String(res.body.stdout), /late/);
  assertScratchEmpty();
});
