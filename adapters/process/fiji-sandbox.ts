// The fiji job's Sandbox port on this machine: a fresh scratch directory (mode 0700, owned by the job's
// user), and the command spawned there with no shell, in its own process group, as an unprivileged user
// (spawn's uid/gid) when configured, with a wall-clock timeout (the whole group is killed) and memory
// limits: the Java heap through JAVA_TOOL_OPTIONS (-Xmx; the JVM reads it whatever the launcher), and
// optionally an address-space rlimit through prlimit(1). The job sees a clean environment: PATH, HOME and
// TMPDIR in the scratch directory, never the server's variables (credentials, emulator hosts).
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { chmod, chown, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ExecResult, Sandbox, ScratchDir } from "../../core/fiji/job.js";

export interface SandboxOptions {
  /** Parent of the scratch directories (an empty-at-start tmpfs or disk). */
  root: string;
  /** Run the job as this user and group (requires the server to run as root); undefined = the server's user. */
  runAs?: { uid: number; gid: number };
  timeoutMs: number;
  /** -Xmx for any JVM the command starts, in MiB; 0 = leave it to the JVM. */
  javaHeapMb: number;
  /** RLIMIT_AS through prlimit(1), in MiB; 0 = none. JVMs reserve far more address space than heap: be generous. */
  addressSpaceMb?: number;
  /** Wrap the command in `xvfb-run -a` (plain ImageJ 1.x builds its menus even in batch mode and needs a display). */
  xvfb?: boolean;
  /** Bytes of stdout and of stderr kept (the rest is dropped and flagged). */
  maxLogBytes?: number;
  /** Largest output file read back. */
  maxOutputBytes?: number;
  /** PATH given to the job. */
  path?: string;
}

export class ProcessSandbox implements Sandbox {
  constructor(private readonly options: SandboxOptions) {}

  async create(): Promise<ScratchDir> {
    const dir = await mkdtemp(path.join(this.options.root, "fiji-"));
    await chmod(dir, 0o700);
    if (this.options.runAs) await chown(dir, this.options.runAs.uid, this.options.runAs.gid);
    return new ProcessScratch(dir, this.options);
  }
}

class ProcessScratch implements ScratchDir {
  constructor(
    readonly path: string,
    private readonly options: SandboxOptions,
  ) {}

  private file(name: string): string {
    const full = path.join(this.path, name);
    if (path.dirname(full) !== this.path) throw new RangeError(`"${name}" is not a plain file name`);
    return full;
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const full = this.file(name);
    await writeFile(full, bytes, { flag: "wx", mode: 0o644 });
    if (this.options.runAs) await chown(full, this.options.runAs.uid, this.options.runAs.gid);
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    let handle;
    try {
      // O_NOFOLLOW: a job that leaves a symlink to /etc/... as its output gets nothing uploaded.
      handle = await open(this.file(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ELOOP" || code === "EISDIR") return undefined;
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return undefined;
      const max = this.options.maxOutputBytes ?? 4 * 1024 ** 3;
      if (stat.size > max) throw new RangeError(`output ${name} is ${stat.size} bytes, over the limit of ${max}`);
      const data = await handle.readFile();
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } finally {
      await handle.close();
    }
  }

  exec(argv: readonly string[]): Promise<ExecResult> {
    const o = this.options;
    const wrapped = [...argv];
    if (o.xvfb) wrapped.unshift("xvfb-run", "-a");
    if (o.addressSpaceMb) wrapped.unshift("prlimit", `--as=${o.addressSpaceMb * 1024 * 1024}`, "--");
    const env: Record<string, string> = {
      PATH: o.path ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: this.path,
      TMPDIR: this.path,
      LANG: "C.UTF-8",
    };
    if (o.javaHeapMb > 0) env.JAVA_TOOL_OPTIONS = `-Xmx${o.javaHeapMb}m -Duser.home=${this.path} -Djava.io.tmpdir=${this.path}`;
    const maxLog = o.maxLogBytes ?? 1024 * 1024;
    return new Promise((resolve, reject) => {
      const child = spawn(wrapped[0], wrapped.slice(1), {
        cwd: this.path,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        ...(o.runAs ? { uid: o.runAs.uid, gid: o.runAs.gid } : {}),
      });
      const out = capture(maxLog);
      const err = capture(maxLog);
      child.stdout.on("data", out.add);
      child.stderr.on("data", err.add);
      let timedOut = false;
      const killGroup = () => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // ESRCH: the group is already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, o.timeoutMs);
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        // Whatever the command left running in its group (an X server, a daemon) ends with it.
        killGroup();
        resolve({ exitCode: code, signal, timedOut, stdout: out.text(), stderr: err.text(), stdoutTruncated: out.truncated(), stderrTruncated: err.truncated() });
      });
    });
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true, maxRetries: 3 });
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

/** Start-up check that the scratch root is writable (a probe directory, removed at once). */
export async function checkScratchRoot(root: string): Promise<void> {
  const probe = await mkdtemp(path.join(root, "fiji-probe-"));
  await writeFile(path.join(probe, "x"), "");
  await rm(probe, { recursive: true, force: true });
}
