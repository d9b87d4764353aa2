// Helpers of the "one line per ordinary failure" cases (test/hostile/errors.test.ts): the real CLI as a child
// process (with its own environment, or as another user), the check that its failure is exactly one line that
// names the object and the cause, and small file systems (tmpfs, as root) that the test mounts and unmounts.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { promisify } from "node:util";
import { cliPath, type CliResult } from "../../support/cli.js";

const exec = promisify(execFile);

export interface CliOptions {
  /** The whole environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group id (root can; used for EACCES, which root itself never meets). */
  uid?: number;
  cwd?: string;
  /** A command that should fail at once but would run on (serve) is killed after this long. */
  killAfterMs?: number;
}

export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
    cwd: options.cwd,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const guard = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** What `emingest run` prints on stderr while it works (cli/progress.ts, not a terminal). */
export const PROGRESS = /^(\w+: \d+ task\(s\)( \(\d+ already done, resuming\))?|\w+ +\[[#.]+\] \d+\/\d+ .*|\w+: finished \d+\/\d+.*)$/;

/**
 * The run failed with exit `code` and exactly one error line, "emingest: ...", that contains every one of
 * `names` (the object and the cause); the other stderr lines, if any, are progress lines; no stack frame.
 * Returns the error line.
 */
export function assertOneLine(r: CliResult, code: number, names: readonly (string | RegExp)[]): string {
  const all = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, code, all);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  const errors = lines.filter((l) => l.startsWith("emingest: "));
  assert.equal(errors.length, 1, `one error line expected\n${all}`);
  assert.equal(lines.at(-1), errors[0], `the error line is the last line\n${all}`);
  assert.deepEqual(lines.filter((l) => l !== errors[0] && !PROGRESS.test(l)), [], `only progress lines besides it\n${all}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack frame\n${all}`);
  for (const name of names) {
    if (typeof name === "string") assert.ok(errors[0].includes(name), `"${name}" is not named in: ${errors[0]}`);
    else assert.match(errors[0], name);
  }
  return errors[0];
}

/** With --debug, the same failure also prints where it happened. */
export function assertStack(r: CliResult): void {
  assert.match(r.stderr, /^\s+at /m, `a stack trace expected with --debug:\n${r.stderr}`);
}

/** Mounts a tmpfs of `size` ("100k", "1m") at `dir` (created), with `ro` for a read-only one. */
export async function mountTmpfs(dir: string, size: string, readOnly = false): Promise<{ remount(size: string): Promise<void>; unmount(): Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  await exec("mount", ["-t", "tmpfs", "-o", `${readOnly ? "ro," : ""}size=${size},mode=0755`, "tmpfs", dir]);
  let mounted = true;
  return {
    remount: async (next) => void (await exec("mount", ["-o", `remount,size=${next}`, dir])),
    unmount: async () => {
      if (!mounted) return;
      mounted = false;
      await exec("umount", [dir]);
    },
  };
}

/** This process's environment without the variables that name a Google Cloud project or an emulator. */
export function envWithoutCloud(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "EMULATOR_PROJECT", "FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST", "STORAGE_API_ENDPOINT"]) delete env[name];
  return env;
}
