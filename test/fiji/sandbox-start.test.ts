// The service refuses to start where jobs could not be contained, with one line; a sandbox that fails is an
// infrastructure fault (retried), while what a job does to itself (a non-zero exit, an output over the limit)
// is permanent. The service runs for real (node dist/services/fiji/server.js as a subprocess) for start-up;
// the rest goes through the real sandbox, the task router and the HTTP app.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { dirBucketIO } from "../../adapters/local/dir-bucket-io.js";
import { SandboxStartError } from "../../adapters/process/fiji-jail.js";
import { checkSandbox, ProcessSandbox, type SandboxOptions } from "../../adapters/process/fiji-sandbox.js";
import { failureKind, PermanentError } from "../../core/errors.js";
import { fijiTaskRouter, planFijiBatch } from "../../core/fiji/batch.js";
import { downsampleImageFile } from "../../core/fiji/downsample.js";
import { silentLogger } from "../../cloud-runtime/log.js";
import { createFijiApp } from "../../services/fiji/app.js";
import { REPO } from "../cloud/support/emulators.js";
import { block, loadConfig, resource } from "../terraform/support/hcl.js";
import { JOB_USER, listen, post, scratchRoot } from "./support/imagej.js";

const folders: string[] = [];
after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});
function folder(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}
function root(): string {
  const dir = scratchRoot();
  folders.push(dir);
  return dir;
}

/** node dist/services/fiji/server.js with `env` (and nothing of this process's): its exit code and stdout lines. */
function startServer(env: Record<string, string>, untilLine?: RegExp): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", GOOGLE_CLOUD_PROJECT: "p", FIJI_BUCKETS: "b", FIJI_EXECUTABLES: "java=/usr/bin/java", PORT: "0", HOST: "127.0.0.1" };
    const child = spawn(process.execPath, [path.join(REPO, "dist", "services", "fiji", "server.js")], { env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (untilLine?.test(out)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      assert.equal(err, "", "nothing on stderr (no stack trace)");
      resolve({ code, lines: out.split("\n").filter(Boolean) });
    });
  });
}

const RUN_AS = `${JOB_USER.uid}:${JOB_USER.gid}`;

test("start-up: an unsafe scratch root, or no job user, is refused with one line naming it; a good root (made 0711 when missing) starts", async () => {
  for (const [env, message] of [
    [{ FIJI_RUN_AS: RUN_AS, FIJI_SCRATCH_ROOT: tmpdir() }, `fiji refuses to start: scratch root ${tmpdir()}: mode 1777 lets others write in it; use mode 0711`],
    [{ FIJI_SCRATCH_ROOT: root() }, 'fiji refuses to start: FIJI_RUN_AS="" must be UID:GID of the unprivileged user jobs run as (e.g. 10001:10001)'],
  ] as const) {
    const { code, lines } = await startServer(env);
    assert.equal(code, 1);
    assert.equal(lines.length, 1, lines.join("\n"));
    const line = JSON.parse(lines[0]) as { severity: string; message: string };
    assert.deepEqual([line.severity, line.message], ["ERROR", message]);
  }
  const parent = folder("fiji-start-");
  chmodSync(parent, 0o755);
  const fresh = path.join(parent, "scratch");
  const started = await startServer({ FIJI_RUN_AS: RUN_AS, FIJI_SCRATCH_ROOT: fresh }, /fiji listening/);
  assert.equal(started.code, 0, started.lines.join("\n"));
  assert.deepEqual(started.lines.map((l) => (JSON.parse(l) as { message: string }).message).slice(0, 1), ["fiji listening on 127.0.0.1:0"]);
  assert.equal(statSync(fresh).mode & 0o7777, 0o711);
  assert.deepEqual(readdirSync(fresh), [], "the start-up probe of the sandbox leaves nothing");
});

/** Executables standing in for a broken bwrap: one that cannot make namespaces (gVisor), one that makes none. */
function fakeTools() {
  const dir = folder("fiji-fake-bwrap-");
  const tool = (name: string, script: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return file;
  };
  return {
    refused: tool("bwrap-refused", 'echo "bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted" >&2; exit 1'),
    // Skips its own options and runs the command as it is: no namespace, not even the job user.
    hollow: tool("bwrap-hollow", 'while [ "$1" != "--" ]; do shift; done; shift; while [ "$1" != "--" ]; do shift; done; shift; exec "$@"'),
  };
}

test("checkSandbox: a sandbox that cannot start, or one that contains nothing, is refused with one line; the real one passes", async () => {
  const options: SandboxOptions = { root: root(), runAs: JOB_USER, timeoutMs: 30_000, javaHeapMb: 0 };
  await checkSandbox(options);
  const fake = fakeTools();
  await assert.rejects(
    checkSandbox({ ...options, bwrap: fake.refused }),
    (e: unknown) => e instanceof SandboxStartError && e.message === `the job's sandbox did not start (${fake.refused} as uid 0): bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted`,
  );
  await assert.rejects(checkSandbox({ ...options, bwrap: fake.hollow }), (e: unknown) => {
    const message = (e as Error).message;
    return message.startsWith(`the fiji sandbox does not contain jobs here: expected "uid gid pid links" = "${JOB_USER.uid} ${JOB_USER.gid} 2 lo", got "0 0 `) && !message.includes("\n");
  });
  assert.deepEqual(readdirSync(options.root), []);
});

test("failure classes: a sandbox that cannot start is retryable (503, retried task); a non-zero exit and an output over the limit are permanent (the task fails for good; over HTTP: 200, ok false, output-races.test.ts)", async (t) => {
  const buckets = folder("fiji-classes-");
  mkdirSync(path.join(buckets, "data"));
  const policy = { buckets: ["data"], executables: { sh: "/bin/sh" } };
  const jobs = [
    { command: "sh job.sh", "input-str": { "job.sh": "head -c 2000 /dev/zero > big.bin" }, "output-map": { "big.bin": "gs://data/out/big.bin" } },
    { command: "sh job.sh", "input-str": { "job.sh": "printf ok > ok.txt; exit 3" }, "output-map": { "ok.txt": "gs://data/out/ok.txt" } },
    { command: "sh job.sh", "input-str": { "job.sh": "printf ok > ok.txt" }, "output-map": { "ok.txt": "gs://data/out/ok.txt" } },
  ];
  const { tasks } = planFijiBatch({ run: "classes", jobs }, policy);
  const sandbox = (more: Partial<SandboxOptions> = {}) => new ProcessSandbox({ root: root(), runAs: JOB_USER, timeoutMs: 30_000, javaHeapMb: 0, maxOutputBytes: 1000, ...more });
  const deps = (more: Partial<SandboxOptions> = {}) => ({ io: dirBucketIO(buckets), sandbox: sandbox(more), downsample: downsampleImageFile });
  const router = fijiTaskRouter(deps(), policy);
  const permanent = (pattern: RegExp) => (e: unknown) => e instanceof PermanentError && pattern.test(e.message);
  await assert.rejects(router(tasks[0]), permanent(new RegExp(`^task ${tasks[0].id}: the command refused output big\\.bin is 2000 bytes, over the limit of 1000;`)));
  await assert.rejects(router(tasks[1]), permanent(new RegExp(`^task ${tasks[1].id}: the command exited with 3;`)));
  assert.deepEqual(await router(tasks[2]).then((o) => o.outputs), { "ok.txt": { url: "gs://data/out/ok.txt", bytes: 2 } });

  const broken = fakeTools().refused;
  await assert.rejects(fijiTaskRouter(deps({ bwrap: broken }), policy)(tasks[2]), (e: unknown) => failureKind(e) === "retryable" && /running the command: the job's sandbox did not start/.test((e as Error).message));
  const server = createServer(createFijiApp({ ...deps({ bwrap: broken }), policy, maxJobs: 1, log: silentLogger }));
  t.after(() => server.close());
  const res = await post(await listen(server), jobs[2]);
  assert.equal(res.status, 503);
  assert.match(String(res.body.error), /^running the command: the job's sandbox did not start \(.*bwrap-refused as uid 0\): bwrap: loopback: Failed RTM_NEWADDR/);
});

test("a read-only path deep under the private /tmp (a clone there holding the tools) is reached by the job user through the parents the sandbox makes, and stays read-only", async () => {
  const tools = path.join(folder("fiji-ro-"), "clone", ".tools", "imagej");
  mkdirSync(tools, { recursive: true });
  writeFileSync(path.join(tools, "tool.txt"), "tool");
  const scratch = await new ProcessSandbox({ root: root(), runAs: JOB_USER, timeoutMs: 30_000, javaHeapMb: 0, readOnlyPaths: [tools] }).create();
  try {
    const run = await scratch.exec(["/bin/sh", "-c", `cat ${tools}/tool.txt && ! touch ${tools}/new 2>/dev/null && ls -A $(dirname ${tools})`]);
    assert.deepEqual({ exitCode: run.exitCode, stdout: run.stdout }, { exitCode: 0, stdout: "toolimagej\n" });
  } finally {
    await scratch.remove();
  }
});

test("terraform runs the fiji service, with every Cloud Run service, on the second-generation execution environment the sandbox needs", async () => {
  const c = await loadConfig();
  const service = resource(c, "google_cloud_run_v2_service", "service");
  assert.equal(service.for_each, "${local.run_services}");
  assert.equal(block(service, "template").execution_environment, "EXECUTION_ENVIRONMENT_GEN2", "not conditional: every service, fiji included");
  assert.match(JSON.stringify(c.locals.run_services), /var\.enable_fiji \? \{ fiji = var\.services\.fiji \}/);
});
