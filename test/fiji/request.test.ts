// The pure parts: command splitting, request validation, config parsing, and the job's order of effects and
// failure classes with fake ports (no process, no bucket).
import { test } from "node:test";
import assert from "node:assert/strict";
import { RetryableError } from "../../core/errors.js";
import { splitCommandLine } from "../../core/fiji/command-line.js";
import { gsUrl, type GsRef } from "../../core/fiji/gs-url.js";
import { FijiInputError, runFijiJob, type ScratchDir } from "../../core/fiji/job.js";
import { FijiRequestError, parseFijiRequest } from "../../core/fiji/request.js";
import { fijiConfigFromEnv } from "../../services/fiji/config.js";
import { scratchFile } from "./support/scratch-fakes.js";

const policy = { buckets: ["bkt"], executables: { fiji: "/opt/Fiji.app/ImageJ-linux64" } };

test("command lines split like a shell, without one", () => {
  assert.deepEqual(splitCommandLine(`fiji --headless -batch "my macro.ijm" 'a b' c\\ d -x="q\\"r"`), ["fiji", "--headless", "-batch", "my macro.ijm", "a b", "c d", '-x=q"r']);
  assert.deepEqual(splitCommandLine("fiji  '|;'  "), ["fiji", "|;"]);
  for (const bad of ["fiji | cat", "fiji; rm x", "fiji $HOME", 'fiji "$(id)"', "fiji *.tif", "fiji > log", "fiji 'open", "fiji `id`"]) {
    assert.throws(() => splitCommandLine(bad), Error, bad);
  }
});

test("a request parses into argv with the allowed executable, and refuses what it must", () => {
  const r = parseFijiRequest({ command: "fiji --headless -batch m.ijm", "input-map": { "a.png": "gs://bkt/x/y.png?downsample=4" }, "output-map": { "o.tif": "gs://bkt/o.tif" } }, policy);
  assert.deepEqual(r.argv, ["/opt/Fiji.app/ImageJ-linux64", "--headless", "-batch", "m.ijm"]);
  assert.deepEqual(r.inputMap, [{ name: "a.png", ref: { bucket: "bkt", object: "x/y.png", downsample: 4 } }]);
  const field = (body: unknown) => {
    try {
      parseFijiRequest(body, policy);
    } catch (error) {
      if (error instanceof FijiRequestError) return error.field;
      throw error;
    }
    return "accepted";
  };
  const ok = { command: "fiji -batch m.ijm" };
  assert.equal(field({ ...ok, "input-map": { "a.txt": "gs://bkt/x?downsample=2" } }), "input-map.a.txt");
  assert.equal(field({ ...ok, "input-map": { "a.png": "gs://bkt/x?downsample=0" } }), "input-map.a.png");
  assert.equal(field({ ...ok, "output-map": { "o.png": "gs://bkt/x?downsample=2" } }), "output-map.o.png");
  assert.equal(field({ ...ok, "input-str": { ".hidden": "" } }), "input-str..hidden");
  assert.equal(field({ ...ok, "input-str": { "a.png": "" }, "input-map": { "a.png": "gs://bkt/a" } }), "input-map.a.png");
  assert.equal(field({ ...ok, "output-map": { "a.png": "gs://bkt/a", "c.png": "gs://bkt/a" } }), "output-map.c.png");
  assert.equal(field({ ...ok, "input-map": [] }), "input-map");
  assert.equal(field({ command: "  " }), "command");
  assert.equal(field({ command: "/usr/bin/java -version" }), "command");
  assert.equal(field({ command: "/opt/Fiji.app/ImageJ-linux64 -batch m.ijm" }), "accepted");
  assert.equal(field({ command: "toString" }), "command", "no prototype keys as executables");
});

test("config: required values, UID:GID, integers", () => {
  const env = { FIJI_BUCKETS: "a, b", FIJI_EXECUTABLES: "fiji=/opt/f", FIJI_RUN_AS: "10001:10002", FIJI_XVFB: "1" };
  const c = fijiConfigFromEnv(env);
  assert.deepEqual(c.policy.buckets, ["a", "b"]);
  assert.deepEqual(c.sandbox.runAs, { uid: 10001, gid: 10002 });
  assert.equal(c.maxJobs, 1);
  assert.equal(c.sandbox.xvfb, true);
  assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_BUCKETS: "" }), /FIJI_BUCKETS/);
  assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_EXECUTABLES: "fiji=relative" }), /absolute/);
  assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_RUN_AS: "nobody" }), /UID:GID/);
  assert.deepEqual(fijiConfigFromEnv({ ...env, FIJI_READ_ONLY_PATHS: "/tmp/tools, /dev/shm/x" }).sandbox.readOnlyPaths, ["/tmp/tools", "/dev/shm/x"]);
  for (const bad of ["tools", "/tmp/../etc", "/"]) assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_READ_ONLY_PATHS: bad }), /FIJI_READ_ONLY_PATHS/);
  // Started by hand, the service answers this machine only; on Cloud Run (K_SERVICE) every interface.
  assert.equal(c.host, "127.0.0.1");
  assert.equal(fijiConfigFromEnv({ ...env, K_SERVICE: "fiji" }).host, "0.0.0.0");
  assert.equal(fijiConfigFromEnv({ ...env, HOST: "::1" }).host, "::1");
  // Jobs always run as an unprivileged user, in a scratch root of the service's own by default.
  assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_RUN_AS: undefined }), /^Error: FIJI_RUN_AS="" must be UID:GID of the unprivileged user jobs run as/);
  assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_RUN_AS: "0:10" }), /may not run as root or in group 0/);
  assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_RUN_AS: "10:0" }), /may not run as root or in group 0/);
  assert.equal(c.sandbox.root, "/var/lib/emingest/fiji-scratch");
  assert.equal(fijiConfigFromEnv({ ...env, FIJI_SCRATCH_ROOT: "/scratch" }).sandbox.root, "/scratch");
  assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_MAX_JOBS: "0" }), /FIJI_MAX_JOBS/);
  assert.equal(c.pull, undefined, "push only unless FIJI_PULL_SUBSCRIPTION is set");
});

test("config: FIJI_PULL_SUBSCRIPTION, a full name or an id; the lease outlives two jobs and their transfers", () => {
  const env = { FIJI_BUCKETS: "a", FIJI_EXECUTABLES: "fiji=/opt/f", FIJI_RUN_AS: "10001:10001", FIJI_TIMEOUT_SECONDS: "1800" };
  const full = fijiConfigFromEnv({ ...env, FIJI_PULL_SUBSCRIPTION: "projects/my-project/subscriptions/emingest-fiji-pull" });
  assert.deepEqual(full.pull, { subscription: "projects/my-project/subscriptions/emingest-fiji-pull", maxExtensionSeconds: 2 * (1800 + 600), maxAckDeadlineSeconds: 60 });
  assert.equal(fijiConfigFromEnv({ ...env, FIJI_PULL_SUBSCRIPTION: "fiji-pull" }).pull?.subscription, "fiji-pull");
  assert.equal(fijiConfigFromEnv({ ...env, FIJI_PULL_SUBSCRIPTION: "" }).pull, undefined);
  for (const bad of ["projects/p/topics/t", "1abc", "projects//subscriptions/s", "a b"]) {
    assert.throws(() => fijiConfigFromEnv({ ...env, FIJI_PULL_SUBSCRIPTION: bad }), /FIJI_PULL_SUBSCRIPTION=".*" must be projects\/PROJECT\/subscriptions\/ID or an ID/, bad);
  }
});

function fakeScratch(log: string[], files: Map<string, Uint8Array>): ScratchDir {
  return {
    path: "/scratch/x",
    write: async (name, bytes) => void (log.push(`write ${name}`), files.set(name, bytes)),
    read: async (name) => scratchFile(files.get(name)),
    exec: async (argv) => {
      log.push(`exec ${argv.join(" ")}`);
      files.set("out.png", new Uint8Array([0, 255, 10, 13]));
      return { exitCode: 0, signal: null, timedOut: false, stdout: "", stderr: "", stdoutTruncated: false, stderrTruncated: false };
    },
    remove: async () => void log.push("remove"),
  };
}

test("the job: inputs, output-bucket probe, run, binary-safe upload, removal; a missing input is the request's fault; a store fault is retryable; removal happens anyway", async () => {
  const request = parseFijiRequest({ command: "fiji m", "input-str": { m: "x" }, "input-map": { "i.png": "gs://bkt/i" }, "output-map": { "out.png": "gs://bkt/o", "gone.txt": "gs://bkt/g" } }, policy);
  const log: string[] = [];
  const stored = new Map<string, Uint8Array>();
  const deps = (put: (o: string, b: Uint8Array) => Promise<void>, get = async (): Promise<Uint8Array | undefined> => new Uint8Array([1])) => ({
    io: { get, put: async (ref: { object: string }, bytes: Uint8Array) => put(ref.object, bytes), probe: async (ref: GsRef) => void log.push(`probe ${gsUrl(ref)}`) },
    sandbox: { create: async () => fakeScratch(log, new Map()) },
    downsample: async (b: Uint8Array) => b,
  });
  const result = await runFijiJob(request, deps(async (o, b) => void stored.set(o, b)));
  // Both outputs are in bkt: one probe, of the first, after the inputs and before the command.
  assert.deepEqual(log, ["write m", "write i.png", "probe gs://bkt/o", "exec /opt/Fiji.app/ImageJ-linux64 m", "remove"]);
  assert.deepEqual([...stored.get("o")!], [0, 255, 10, 13]);
  assert.deepEqual(result.missingOutputs, ["gone.txt"]);
  assert.equal(result.ok, false);
  log.length = 0;
  await assert.rejects(runFijiJob(request, deps(async () => undefined, async () => undefined)), (e: unknown) => e instanceof FijiInputError && e.field === "input-map.i.png");
  assert.deepEqual(log, ["write m", "remove"]);
  log.length = 0;
  await assert.rejects(runFijiJob(request, deps(async () => { throw new Error("503 from GCS"); })), (e: unknown) => e instanceof RetryableError && /uploading out.png/.test(e.message));
  assert.equal(log.at(-1), "remove");
});
