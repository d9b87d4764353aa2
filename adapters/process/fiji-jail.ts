// The process side of a fiji job's sandbox: bubblewrap (Debian's bwrap 0.8), started as root, makes the job's
// namespaces; util-linux setpriv drops the job's command to the unprivileged job user.
//  - PID namespace: PID 1 is a fixed shell (root, running nothing of the job's) that starts the command as
//    PID 2 through setpriv, reaps whatever is orphaned to it, and exits with the command's status when the
//    command exits. When PID 1 exits, the kernel kills every other process of the namespace (setsid,
//    double-forked and daemonized children, an Xvfb) and reaps them before PID 1 itself can be reaped; bwrap
//    (--as-pid-1, so no reaper of its own, whose early report of PID 2's status it would pass on) waits for
//    exactly that. So when the outer bwrap exits, nothing of the job is left, not even a zombie. On timeout
//    the server SIGKILLs that PID 1 (its host PID comes from --json-status-fd), with the same effect. When
//    the server itself dies, the outer bwrap dies with it and PID 1 with that (--die-with-parent). PID 1
//    stays root for that: the outer bwrap keeps no capability, so the kernel would not deliver its
//    parent-death signal to a PID 1 of another uid (measured: a job-user PID 1 outlived its bwrap).
//  - Network namespace with only a loopback of its own: no metadata server, no bucket, no service on the host.
//  - Mount namespace: / read-only; fresh /proc (only the job's processes), /dev, /tmp, /var/tmp, /dev/shm;
//    the scratch root hidden under an empty tmpfs and only this job's folder bound back, read-write; the
//    configured read-only paths (software kept under a temp folder) bound back read-only.
//  - IPC and UTS namespaces: no System V shared memory or semaphores shared with anything else.
// Why not `bwrap --unshare-user --uid`: run as root, that maps host uid 0 to the sandbox's uid, so the job
// still owns every root-owned file on the host (measured: it reads a root 0600 file). The uid must really
// change, which is setpriv's job. bwrap as root needs no user namespace, so the kernel's user-namespace
// surface stays closed to jobs.
// A job's own exit is told apart from a sandbox that did not start by one byte that the command's shell,
// already the job user inside every namespace, writes to fd 4 (then closes) before it becomes the command.
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import type { ExecResult } from "../../core/fiji/job.js";

export interface JailSpec {
  /** Absolute path of bwrap; setpriv likewise. */
  bwrap: string;
  setpriv: string;
  /** The scratch root (hidden) and this job's folder in it (bound read-write, the job's cwd, same path inside). */
  root: string;
  dir: string;
  runAs: { uid: number; gid: number };
  /** Host paths bound back read-only over the private temp folders (FIJI_READ_ONLY_PATHS). */
  readOnlyPaths?: readonly string[];
  command: readonly string[];
}

const READY_FD = 4;
const STATUS_FD = 3;
/** PID 1: starts "$@" (setpriv ... the command), lets go of fd 4, reaps until it exits, exits with its status. */
const INIT = `"$@" & exec ${READY_FD}>&-; wait "$!"`;
/** The command's shell, the job user: enters the job's folder, says "ready" on fd 4, closes it, becomes the command. */
const READY = `cd "$1" && shift && printf R >&${READY_FD} && exec ${READY_FD}>&- && exec "$@"`;

export function jailArgv(spec: JailSpec): string[] {
  const { uid, gid } = spec.runAs;
  // prettier-ignore
  return [
    spec.bwrap,
    "--die-with-parent", "--new-session", "--as-pid-1",
    "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
    "--ro-bind", "/", "/",
    "--proc", "/proc",
    "--dev", "/dev",
    "--perms", "1777", "--tmpfs", "/dev/shm",
    "--perms", "1777", "--tmpfs", "/tmp",
    "--perms", "1777", "--tmpfs", "/var/tmp",
    ...(spec.readOnlyPaths ?? []).flatMap((p) => [...traversable(p), "--ro-bind", p, p]),
    "--tmpfs", spec.root,
    "--bind", spec.dir, spec.dir,
    "--json-status-fd", String(STATUS_FD),
    // PID 1 keeps only what setpriv needs to drop to the job user (so not even entering the job's 0700 folder:
    // the job's shell does that, below).
    "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
    "--", "/bin/sh", "-c", INIT, "fiji-init",
    spec.setpriv, `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
    "--", "/bin/sh", "-c", READY, "fiji-job", spec.dir, ...spec.command,
  ];
}

/**
 * Every ancestor of `p` as a world-traversable folder: bwrap makes the missing parents of a mount point inside
 * a tmpfs 0700 root, which the job user could not pass (measured: /tmp/clone/.tools/imagej bound over the
 * private /tmp was unreachable). `--dir` leaves a folder that exists as it is, so only those bwrap would make
 * are affected.
 */
function traversable(p: string): string[] {
  const parts = p.split("/").filter((part) => part !== "");
  return parts.slice(0, -1).flatMap((_, i) => ["--perms", "0755", "--dir", "/" + parts.slice(0, i + 1).join("/")]);
}

export interface JailRun {
  env: Record<string, string>;
  timeoutMs: number;
  maxLogBytes: number;
}

/** The sandbox could not be set up (bwrap or setpriv failed before the command ran): an infrastructure fault. */
export class SandboxStartError extends Error {
  override readonly name = "SandboxStartError";
}

/** Runs the command in its sandbox; resolves when the sandbox, and so every process of the job, is gone. */
export function runJailed(spec: JailSpec, run: JailRun): Promise<ExecResult> {
  const argv = jailArgv(spec);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: "/",
      env: run.env,
      stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"],
      // Its own process group: a signal meant for the server's group (a terminal's Ctrl-C) does not reach it,
      // and a timeout before the namespace exists can stop the whole setup.
      detached: true,
    });
    const out = capture(run.maxLogBytes);
    const err = capture(run.maxLogBytes);
    const status = capture(4096);
    let ready = false;
    child.stdout?.on("data", out.add);
    child.stderr?.on("data", err.add);
    (child.stdio[STATUS_FD] as Readable).on("data", status.add);
    (child.stdio[READY_FD] as Readable).on("data", () => (ready = true));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // PID 1 of the job's namespace, and only it: its death takes the whole namespace with it, and the outer
      // bwrap, alive (so that PID cannot have been reused), reaps it and exits. Killing the outer bwrap too
      // would orphan PID 1 to the container's init, which may never reap it (on Cloud Run that is this node).
      const init = /"child-pid"\s*:\s*(\d+)/.exec(status.text())?.[1];
      if (init !== undefined) kill(Number(init));
      // Not cloned yet: nothing of the job runs; stop the setup.
      else if (child.pid !== undefined) kill(-child.pid);
    }, run.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (!ready && !timedOut) {
        const why = err.text().trim().split("\n").filter(Boolean).pop() ?? `exit ${code ?? signal}`;
        reject(new SandboxStartError(`the job's sandbox did not start (${argv[0]} as uid ${process.getuid?.()}): ${why}`));
        return;
      }
      // A command killed by signal N exits 128+N (the shell's wait, passed on by bwrap); a timed-out job was
      // killed, whatever its PID 1 said.
      const reported = /"exit-code"\s*:\s*(\d+)/.exec(status.text())?.[1];
      const exitCode = timedOut ? null : signal === null && reported !== undefined ? Number(reported) : code;
      resolve({ exitCode, signal: timedOut ? "SIGKILL" : signal, timedOut, stdout: out.text(), stderr: err.text(), stdoutTruncated: out.truncated(), stderrTruncated: err.truncated() });
    });
  });
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    // ESRCH: already gone, which is what was wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function capture(max: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let dropped = false;
  return {
    add: (chunk: Buffer) => {
      if (size >= max) {
        dropped = true;
        return;
      }
      const keep = chunk.subarray(0, max - size);
      if (keep.length < chunk.length) dropped = true;
      chunks.push(keep);
      size += keep.length;
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
    truncated: () => dropped,
  };
}
