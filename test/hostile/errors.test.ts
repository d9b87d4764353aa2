// Issue 11 item 7, through the real CLI as a child process: every ordinary failure is one line that names the
// object and the cause, with a non-zero exit and no stack trace (a stack only with --debug): the machine's
// conditions (EACCES, ENOTDIR, EROFS, ENOSPC in objects and in the state database, EISDIR, EEXIST, ENOENT,
// EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED), options out of bounds, a missing GOOGLE_CLOUD_PROJECT. The cases
// that fill a disk mount their own tmpfs (the tests run as root) and unmount it; after a full disk the same
// command, given room, finishes with the output of a clean run. (The adapter-level case of a full disk inside
// a state transaction is in test/adapters/sqlite-run-store.test.ts.) The input is never changed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { failureReport } from "../../cli/failure.js";
import { checksums, type CliResult } from "../support/cli.js";
import { assertOneLine, assertStack, cli, envWithoutCloud, mountTmpfs } from "./support/failure-line.js";
import { freePort } from "../support/free-port.js";

const exec = promisify(execFile);

const NOBODY = 65534;
let work: string;
let slices: string;
let wide: string;
let sliceSums: Record<string, string>;
let wideSums: Record<string, string>;
const unmounts: Array<() => Promise<void>> = [];
let refused: Promise<CliResult>;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "emerr-"));
  // Another user runs some cases: it must reach the stacks (mkdtemp makes the folder 0700).
  chmodSync(work, 0o755);
  slices = path.join(work, "slices");
  wide = path.join(work, "wide");
  // 4 slices of 160 px align pair by pair (no bad slice); the wide stack is run with --skip-align.
  for (const [dir, count, size] of [[slices, "4", "160"], [wide, "3", "1024"]]) {
    const made = await cli(["sample", dir, "--count", count, "--size", size]);
    assert.equal(made.code, 0, made.stderr);
    rmSync(path.join(dir, "ground-truth.json"));
  }
  sliceSums = await checksums(slices);
  wideSums = await checksums(wide);
  // The slowest case (the Firestore client gives up on a refused endpoint after ~45 s) runs while the others do.
  refused = cli(["status", "run-000000000000"], { env: { ...envWithoutCloud(), GOOGLE_CLOUD_PROJECT: "p", FIRESTORE_EMULATOR_HOST: `127.0.0.1:${await freePort()}`, METADATA_SERVER_DETECTION: "none" } });
});

after(async () => {
  for (const unmount of unmounts.splice(0)) await unmount();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function tmpfs(dir: string, size: string, readOnly = false) {
  const fs = await mountTmpfs(dir, size, readOnly);
  unmounts.push(fs.unmount);
  return fs;
}

test("ENOTDIR: --out below a file names the path; --debug adds the stack", async () => {
  const file = path.join(work, "a-file");
  writeFileSync(file, "mine\n");
  const before = await checksums(work);
  const r = await cli(["run", slices, "--out", path.join(file, "out")]);
  assertOneLine(r, 1, [path.join(file, "out"), "a part of the path is a file, not a folder (ENOTDIR)"]);
  const debug = await cli(["run", slices, "--out", path.join(file, "out"), "--debug"]);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /^emingest: .*\(ENOTDIR\)$/m);
  assertStack(debug);
  assert.deepEqual(await checksums(work), before, "nothing changed");
});

test("EACCES: an output folder this user may not create, and a slice it may not read", async () => {
  const locked = path.join(work, "root-only");
  mkdirSync(locked, { mode: 0o755 });
  assertOneLine(await cli(["run", slices, "--out", path.join(locked, "out")], { uid: NOBODY }), 1, [path.join(locked, "out"), "permission denied (EACCES)"]);

  const unreadable = path.join(work, "unreadable");
  const open = path.join(work, "open");
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  assert.equal((await cli(["sample", unreadable, "--count", "3", "--size", "64"])).code, 0);
  chmodSync(path.join(unreadable, "img00001.png"), 0o600);
  assertOneLine(await cli(["run", unreadable, "--out", path.join(open, "out")], { uid: NOBODY }), 1, [path.join(unreadable, "img00001.png"), "permission denied (EACCES)"]);
});

test("EROFS: --out on a read-only file system names the file system's folder", async () => {
  const ro = path.join(work, "read-only");
  await tmpfs(ro, "1m", true);
  assertOneLine(await cli(["run", slices, "--out", path.join(ro, "out")]), 1, [ro, "the file system is read-only (EROFS)"]);
});

test("ENOSPC while writing objects: one line naming the file; with room, the same command finishes as a clean run", async () => {
  const clean = path.join(work, "clean-wide");
  assert.equal((await cli(["run", wide, "--out", clean, "--skip-align", "--workers", "1"])).code, 0);
  const disk = path.join(work, "small-disk");
  const fs = await tmpfs(disk, "1m");
  const out = path.join(disk, "out");
  assertOneLine(await cli(["run", wide, "--out", out, "--skip-align", "--workers", "1"]), 1, [path.join(out, "tmp") + path.sep, "the disk is full (ENOSPC)"]);
  await fs.remount("32m");
  const rerun = await cli(["run", wide, "--out", out, "--skip-align", "--workers", "1"]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(await checksums(out), await checksums(clean));
  assert.deepEqual(await checksums(wide), wideSums, "the slices are unchanged");
});

test("ENOSPC while writing the state database: named as a full disk (not 'cannot rollback'); with room the run finishes", async () => {
  const clean = path.join(work, "clean");
  assert.equal((await cli(["run", slices, "--out", clean, "--workers", "1"])).code, 0);
  // A disk with 16 KiB left: the run lock (and a claim of the folder) fit, the state database does not.
  const disk = path.join(work, "small-state");
  await tmpfs(disk, "1m");
  const filler = path.join(disk, "filler");
  await exec("fallocate", ["-l", String(statfsSync(disk).bavail * statfsSync(disk).bsize - 16 * 1024), filler]);
  const out = path.join(disk, "out");
  const r = await cli(["run", slices, "--out", out, "--workers", "1"]);
  assertOneLine(r, 1, [path.join(out, ".emingest", "state.sqlite"), "the disk is full (ENOSPC)", "the run state could not be written"]);
  assert.doesNotMatch(r.stderr, /rollback|disk I\/O error/);
  rmSync(filler);
  const rerun = await cli(["run", slices, "--out", out, "--workers", "1"]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(await checksums(out), await checksums(clean));
});

test("ENOSPC in sample: the folder is named even where Node's write error names no file", async () => {
  const disk = path.join(work, "sample-disk");
  await tmpfs(disk, "64k");
  const dir = path.join(disk, "stack");
  assertOneLine(await cli(["sample", dir, "--count", "3", "--size", "256"]), 1, [dir, "the disk is full (ENOSPC)"]);
});

test("EISDIR, EEXIST, ENOENT: the file or folder is named", async () => {
  const target = path.join(work, "sample-into");
  mkdirSync(path.join(target, "img00000.png"), { recursive: true });
  assertOneLine(await cli(["sample", target, "--count", "2", "--size", "16"]), 1, [path.join(target, "img00000.png"), "is a folder, not a file (EISDIR)"]);
  const file = path.join(work, "plain-file");
  writeFileSync(file, "x");
  assertOneLine(await cli(["sample", file, "--count", "2", "--size", "16"]), 1, [file, "already exists (EEXIST)"]);
  const missing = path.join(work, "no-such-jobs.json");
  assertOneLine(await cli(["fiji-batch", missing, "--dry-run"], { env: { ...envWithoutCloud(), GOOGLE_CLOUD_PROJECT: "p" } }), 1, [missing, "ENOENT"]);
});

test("serve: a port in use, an address not on this machine, a port out of range", async () => {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const port = (holder.address() as { port: number }).port;
  try {
    assertOneLine(await cli(["serve", slices, "--port", String(port)], { killAfterMs: 60_000 }), 1, [`127.0.0.1:${port}`, "the address is already in use", "(EADDRINUSE)"]);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
  assertOneLine(await cli(["serve", slices, "--host", "192.0.2.1", "--port", "0"], { killAfterMs: 60_000 }), 1, ["192.0.2.1", "(EADDRNOTAVAIL)"]);
  assertOneLine(await cli(["serve", slices, "--port", "70000"]), 2, ["--port", "between 0 and 65535", '"70000"']);
});

test("options are bounded at parse, with the option named (a --task-timeout past the timer's 24.8 days)", async () => {
  const cases: Array<[string[], string]> = [
    [["run", slices, "--out", path.join(work, "never"), "--task-timeout", "3000000"], "--task-timeout"],
    [["run", slices, "--out", path.join(work, "never"), "--task-timeout=-5"], "--task-timeout"],
    [["run", slices, "--out", path.join(work, "never"), "--task-timeout", "-5"], "--task-timeout"],
    [["run", slices, "--out", path.join(work, "never"), "--workers", "100000"], "--workers"],
    [["run", slices, "--out", path.join(work, "never"), "--minz", "1e30"], "--minz"],
    [["sample", path.join(work, "never"), "--count", "0"], "--count"],
    [["sample", path.join(work, "never"), "--size", "100000"], "--size"],
    [["status", "run-x", "--interval", "1e12"], "--interval"],
  ];
  for (const [args, option] of cases) assertOneLine(await cli(args), 2, [option]);
  assert.equal(existsSync(path.join(work, "never")), false, "nothing was written");
});

test("a missing GOOGLE_CLOUD_PROJECT is one line, --dry-run included", async () => {
  const env = envWithoutCloud();
  const jobs = path.join(work, "jobs.json");
  writeFileSync(jobs, JSON.stringify({ jobs: [] }));
  for (const args of [["status", "run-000000000000"], ["submit", slices, "gs://bucket/prefix"], ["fiji-batch", jobs, "--dry-run"]]) {
    assertOneLine(await cli(args, { env }), 1, ["GOOGLE_CLOUD_PROJECT is not set"]);
  }
});

test("ECONNREFUSED: a configured endpoint where nothing listens is named", async () => {
  assertOneLine(await refused, 1, [/127\.0\.0\.1:\d+/, "connection refused", "(ECONNREFUSED)"]);
});

test("a bug (not an ordinary condition) keeps its stack; an ordinary one shows it only with --debug", () => {
  const bug = failureReport(new TypeError("cannot read properties of undefined"), false);
  assert.equal(bug.exitCode, 1);
  assert.match(bug.lines[0], /^emingest: internal error: cannot read properties of undefined$/);
  assert.match(bug.lines.join("\n"), /^\s+at /m);
  const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write", path: "/x/y" });
  assert.deepEqual(failureReport(full, false).lines, ["emingest: /x/y: the disk is full (ENOSPC)"]);
  assert.match(failureReport(full, true).lines.join("\n"), /^\s+at /m);
});

test("the input was never changed", async () => {
  assert.deepEqual(await checksums(slices), sliceSums);
  assert.deepEqual(await checksums(wide), wideSums);
});
