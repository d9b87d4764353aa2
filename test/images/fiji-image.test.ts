// The fiji image (services/fiji/Dockerfile, built by scripts/images.sh with the Fiji archive named by its
// FIJI_URL build argument) passing the fiji request tests as a container: macros run by the image's Fiji
// launcher on inputs fetched from the emulated bucket, outputs checked pixel by pixel against numpy
// (tools/python/fiji_filter_oracle.py). Where downloads.imagej.net cannot be reached the archive is the
// stand-in of scripts/images.sh (same layout; ImageJ 1.x and Fiji's headless patcher from Maven Central, a
// Java runtime from Debian's OpenJDK), served from 127.0.0.1, and the test says so.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Storage } from "@google-cloud/storage";
import { storageClient } from "../../adapters/gcp/clients.js";
import { REPO, startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { runPythonJson } from "../support/python.js";
import { noisePng, post } from "../fiji/support/imagej.js";
import { cleanUp, freePort, startDocker, waitHealthy, type Container, type Docker } from "./support/docker.js";

const exec = promisify(execFile);
const BUCKET = "fiji-data";
const REAL_FIJI = "https://downloads.imagej.net/fiji/latest/fiji-linux64.zip";
let docker: Docker;
let emu: Emulators;
let storage: Storage;
let work: string;
let archiveServer: Server | undefined;
let fiji: Container;
let url: string;
let input: Buffer;

/** The real archive when its host answers; otherwise the stand-in, served here. */
async function fijiArchive(): Promise<{ url: string; sha256: string; standIn: boolean }> {
  const reachable = await fetch(REAL_FIJI, { method: "HEAD", signal: AbortSignal.timeout(10_000) }).then((r) => r.ok, () => false);
  if (reachable) return { url: REAL_FIJI, sha256: "", standIn: false };
  const zip = path.join(work, "fiji-linux64.zip");
  await exec("bash", [path.join(REPO, "scripts", "images.sh"), "fiji-standin", zip], { maxBuffer: 1 << 24 });
  const bytes = readFileSync(zip);
  archiveServer = createServer((req, res) => {
    if (req.url !== "/fiji-linux64.zip") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/zip", "content-length": bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => archiveServer!.listen(0, "127.0.0.1", resolve));
  const port = (archiveServer.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/fiji-linux64.zip`, sha256: createHash("sha256").update(bytes).digest("hex"), standIn: true };
}

async function download(object: string): Promise<Buffer> {
  const [data] = await storage.bucket(BUCKET).file(object).download();
  return data;
}

async function oracle(op: string, output: Buffer, ...extra: string[]) {
  const a = path.join(work, `${op}-in.png`);
  const b = path.join(work, `${op}-out`);
  writeFileSync(a, input);
  writeFileSync(b, output);
  return runPythonJson<{ shape: number[]; mismatches: number; max_diff: number; first: number[][] }>("fiji_filter_oracle.py", [op, a, b, ...extra]);
}

/** The scratch root inside the container is empty after every job. */
async function assertScratchEmpty(): Promise<void> {
  assert.equal(await docker.cli(["exec", fiji.id, "find", "/scratch", "-mindepth", "1"]), "");
}

const SANDBOX_FLAGS = ["--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--security-opt", "seccomp=unconfined"];

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "emfiji-image-"));
  docker = await startDocker();
  const [archive, emulators] = await Promise.all([fijiArchive(), startEmulators(["gcs"])]);
  emu = emulators;
  process.stderr.write(
    archive.standIn
      ? `# downloads.imagej.net is unreachable: building the fiji image with the stand-in Fiji archive (scripts/images.sh fiji-standin), served at ${archive.url}\n`
      : `# building the fiji image with ${archive.url}\n`,
  );
  const refs = await docker.build(["fiji"], { FIJI_URL: archive.url, FIJI_SHA256: archive.sha256 });
  storage = storageClient(emu.config);
  await storage.createBucket(BUCKET);
  input = await noisePng(37, 29, 7);
  await storage.bucket(BUCKET).file("in/slice.png").save(input);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // Configured as terraform/services.tf configures the Cloud Run service; the image supplies the rest.
  fiji = await docker.start(refs.fiji, {
    network: "host",
    // The job sandbox (bubblewrap, services/README.md) makes PID, network and mount namespaces: under Docker's
    // defaults bwrap fails with "Creating new namespace failed" (no CAP_SYS_ADMIN), "loopback: Failed
    // RTM_NEWADDR" (no CAP_NET_ADMIN) and "pivot_root: Operation not permitted" (the default seccomp profile);
    // these three are the least that works (measured: AppArmor and masked /proc paths do not matter here).
    runFlags: SANDBOX_FLAGS,
    env: {
      GOOGLE_CLOUD_PROJECT: emu.config.projectId,
      STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT,
      FIRESTORE_EMULATOR_HOST: "127.0.0.1:9",
      PUBSUB_EMULATOR_HOST: "127.0.0.1:9",
      METADATA_SERVER_DETECTION: "none",
      FIJI_BUCKETS: BUCKET,
      FIJI_TIMEOUT_SECONDS: "120",
      FIJI_JAVA_HEAP_MB: "256",
      PORT: String(port),
      HOST: "127.0.0.1",
    },
  });
  await waitHealthy(`${url}/healthz`, fiji);
});

after(async () => {
  await cleanUp(docker?.stop, () => archiveServer?.close(), emu?.stop, () => work && rmSync(work, { recursive: true, force: true }));
});

const FIJI = "fiji --headless -batch macro.ijm";

test("fiji image: invert, input from the bucket, output in the bucket, 255 - v at every pixel; the job runs as the image's unprivileged user", async () => {
  const macro = ['open("in.png");', 'run("Invert");', 'saveAs("PNG", getDirectory("current") + "out.png");', 'print("job-user:" + getInfo("user.name"));'].join("\n");
  const res = await post(url, {
    command: FIJI,
    "input-str": { "macro.ijm": macro },
    "input-map": { "in.png": `gs://${BUCKET}/in/slice.png` },
    "output-map": { "out.png": `gs://${BUCKET}/out/invert.png`, "never.txt": `gs://${BUCKET}/out/never.txt` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.exitCode, 0, String(res.body.stderr));
  assert.deepEqual(res.body.missingOutputs, ["never.txt"]);
  assert.equal(res.body.ok, false, "a mapped output that was not written makes the job not ok");
  assert.match(String(res.body.stdout), /job-user:fiji/i, "FIJI_RUN_AS of the image: the fiji user, not root");
  const check = await oracle("invert", await download("out/invert.png"));
  assert.deepEqual(check, { shape: [29, 37], mismatches: 0, max_diff: 0, first: [] });
  assert.equal((await storage.bucket(BUCKET).file("out/never.txt").exists())[0], false);
  await assertScratchEmpty();
});

test("fiji image: Mean radius=1 saved as TIFF equals numpy's 3x3 edge-padded mean, pixel by pixel", async () => {
  const res = await post(url, {
    command: FIJI,
    "input-str": { "macro.ijm": 'open("in.png");\nrun("Mean...", "radius=1");\nsaveAs("Tiff", getDirectory("current") + "mean.tif");\n' },
    "input-map": { "in.png": `gs://${BUCKET}/in/slice.png` },
    "output-map": { "mean.tif": `gs://${BUCKET}/out/mean.tif` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ok, true, String(res.body.stderr));
  assert.deepEqual(await oracle("mean3", await download("out/mean.tif")), { shape: [29, 37], mismatches: 0, max_diff: 0, first: [] });
  await assertScratchEmpty();
});

test("fiji image: input-map ?downsample=2, ImageJ sees the box-downsampled image", async () => {
  const res = await post(url, {
    command: FIJI,
    "input-str": { "macro.ijm": 'open("small.png");\nprint("size=" + getWidth() + "x" + getHeight());\nrun("Invert");\nsaveAs("PNG", getDirectory("current") + "out.png");\n' },
    "input-map": { "small.png": `gs://${BUCKET}/in/slice.png?downsample=2` },
    "output-map": { "out.png": `gs://${BUCKET}/out/ds-invert.png` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(String(res.body.stdout), /size=18x14/);
  assert.deepEqual(await oracle("ds-invert", await download("out/ds-invert.png"), "2"), { shape: [14, 18], mismatches: 0, max_diff: 0, first: [] });
  await assertScratchEmpty();
});

test("fiji image: a failing macro is a 200 with the job's exit code and ImageJ's error; bad requests are 400 naming the field", async () => {
  const res = await post(url, {
    command: FIJI,
    "input-str": { "macro.ijm": 'open("nope.png");\nsaveAs("PNG", getDirectory("current") + "out.png");\n' },
    "output-map": { "out.png": `gs://${BUCKET}/out/failed.png` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ok, false);
  assert.match(`${String(res.body.stdout)}\n${String(res.body.stderr)}`, /File not found/i);
  assert.deepEqual(res.body.missingOutputs, ["out.png"]);
  assert.equal((await storage.bucket(BUCKET).file("out/failed.png").exists())[0], false);
  for (const [body, field] of [
    [{ command: "bash -c id", "input-str": { "macro.ijm": "" } }, "command"],
    [{ command: FIJI, "input-map": { "a.png": "gs://elsewhere/y.png" } }, "input-map.a.png"],
    [{ command: FIJI, "output-map": { "/etc/passwd": `gs://${BUCKET}/y` } }, "output-map./etc/passwd"],
  ] as const) {
    const bad = await post(url, body);
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.field, field);
  }
  await assertScratchEmpty();
});
