// The fiji job's Sandbox port on this machine. Per job: a fresh scratch folder (mode 0700, owned by the job
// user) under the scratch root (fiji-scratch-root.ts), the command run there in its own PID, network, mount,
// IPC and UTS namespaces as the unprivileged job user (fiji-jail.ts), with a wall-clock timeout and memory
// limits: the Java heap through JAVA_TOOL_OPTIONS (-Xmx; the JVM reads it whatever the launcher), and
// optionally an address-space rlimit through prlimit(1). The job sees a clean environment: PATH, HOME and
// TMPDIR in the scratch folder, never the server's variables (credentials, emulator hosts).
// The server keeps a handle of the folder from its creation, before the job exists, and reads and writes
// files only through it (/proc/self/fd/N/name, O_NOFOLLOW): whatever a job did to paths, the bytes uploaded
// are those of a regular file of the job's own, in the folder made for it.
import { constants, type Stats } from "node:fs";
import { lstat, mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { ExecResult, Sandbox, ScratchDir, ScratchFile } from "../../core/fiji/job.js";
import { runJailed } from "./fiji-jail.js";

export interface SandboxOptions {
  /** Parent of the scratch folders; checked by prepareScratchRoot at start-up. */
  root: string;
  /** The unprivileged user and group jobs run as; the server must be root (it makes the namespaces). */
  runAs: { uid: number; gid: number };
  timeoutMs: number;
  /** -Xmx for any JVM the command starts, in MiB; 0 = leave it to the JVM. */
  javaHeapMb: number;
  /** RLIMIT_AS through prlimit(1), in MiB; 0 = none. JVMs reserve far more address space than heap: be generous. */
  addressSpaceMb?: number;
  /** Wrap the command in `xvfb-run -a` (plain ImageJ 1.x builds its menus even in batch mode and needs a display). */
  xvfb?: boolean;
  /** Bytes of stdout and of stderr kept (the rest is dropped and flagged). */
  maxLogBytes?: number;
  /** Largest output file read back; a larger one is refused. */
  maxOutputBytes?: number;
  /** PATH given to the job. */
  path?: string;
  /**
   * Host paths the job may read although they lie under a folder it gets a private copy of (/tmp, /var/tmp,
   * /dev/shm): software installed there. Bound read-only at the same place; none may hold the scratch root.
   */
  readOnlyPaths?: readonly string[];
  /** The sandbox's tools (Debian's bubblewrap and util-linux); tests point bwrap at a broken one. */
  bwrap?: string;
  setpriv?: string;
}

const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 ** 3;

export class ProcessSandbox implements Sandbox {
  constructor(private readonly options: SandboxOptions) {}

  async create(): Promise<ScratchDir> {
    const dir = await mkdtemp(path.join(this.options.root, "fiji-"));
    const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      const made = await handle.stat();
      const named = await lstat(dir);
      if (!sameFile(made, named)) throw new Error(`scratch folder ${dir} changed while it was being made`);
      await handle.chmod(0o700);
      await handle.chown(this.options.runAs.uid, this.options.runAs.gid);
      return new ProcessScratch(dir, handle, made, this.options);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
}

class ProcessScratch implements ScratchDir {
  constructor(
    readonly path: string,
    private readonly dir: FileHandle,
    private readonly made: Stats,
    private readonly options: SandboxOptions,
  ) {}

  /** `name` in the folder this scratch was made as, whatever now sits at its path. */
  private at(name: string): string {
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) throw new RangeError(`"${name}" is not a plain file name`);
    return `/proc/self/fd/${this.dir.fd}/${name}`;
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const file = await open(this.at(name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await file.writeFile(bytes);
      await file.chown(this.options.runAs.uid, this.options.runAs.gid);
    } finally {
      await file.close();
    }
  }

  async read(name: string): Promise<ScratchFile> {
    let file: FileHandle;
    try {
      // O_NONBLOCK: a FIFO left under an output's name must not hang the server; O_NOCTTY: nor a tty adopt it.
      file = await open(this.at(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { kind: "missing" };
      if (code === "ELOOP") return { kind: "refused", reason: "is a symbolic link" };
      if (code === "ENXIO") return { kind: "refused", reason: "is not a regular file" };
      throw error;
    }
    try {
      const stat = await file.stat();
      if (!stat.isFile()) return { kind: "refused", reason: "is not a regular file" };
      // Every file the job wrote is its own; another owner means a link to someone else's file.
      if (stat.uid !== this.options.runAs.uid) return { kind: "refused", reason: `belongs to uid ${stat.uid}, not to the job's user` };
      const max = this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
      if (stat.size > max) return { kind: "refused", reason: `is ${stat.size} bytes, over the limit of ${max}` };
      const data = await file.readFile();
      return { kind: "file", bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    } finally {
      await file.close();
    }
  }

  exec(argv: readonly string[]): Promise<ExecResult> {
    const o = this.options;
    const command = [...argv];
    if (o.xvfb) command.unshift("xvfb-run", "-a");
    if (o.addressSpaceMb) command.unshift("prlimit", `--as=${o.addressSpaceMb * 1024 * 1024}`, "--");
    const env: Record<string, string> = {
      PATH: o.path ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: this.path,
      TMPDIR: this.path,
      LANG: "C.UTF-8",
    };
    if (o.javaHeapMb > 0) env.JAVA_TOOL_OPTIONS = `-Xmx${o.javaHeapMb}m -Duser.home=${this.path} -Djava.io.tmpdir=${this.path}`;
    return runJailed(
      { bwrap: o.bwrap ?? "/usr/bin/bwrap", setpriv: o.setpriv ?? "/usr/bin/setpriv", root: o.root, dir: this.path, runAs: o.runAs, readOnlyPaths: o.readOnlyPaths, command },
      { env, timeoutMs: o.timeoutMs, maxLogBytes: o.maxLogBytes ?? 1024 * 1024 },
    );
  }

  /** Removes the folder this scratch was made as; if something else now sits at its path, leaves it and throws. */
  async remove(): Promise<void> {
    try {
      const now = await lstat(this.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (now && !sameFile(now, this.made)) throw new Error(`scratch folder ${this.path} was replaced while the job ran; left in place`);
      if (now) await rm(this.path, { recursive: true, force: true, maxRetries: 3 });
    } finally {
      await this.dir.close();
    }
  }
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/**
 * Start-up check that jobs can run here as configured: one command in the sandbox must find itself as the job
 * user, as PID 2 under the sandbox's own PID 1, with only a loopback network. Throws one line naming what failed (on Cloud Run's
 * first-generation environment, gVisor, bwrap cannot make the network namespace).
 */
export async function checkSandbox(options: SandboxOptions): Promise<void> {
  const scratch = await new ProcessSandbox({ ...options, xvfb: false, addressSpaceMb: 0, timeoutMs: Math.min(options.timeoutMs, 30_000) }).create();
  try {
    const probe = 'id -u; id -g; echo "$$"; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "';
    const run = await scratch.exec(["/bin/sh", "-c", probe]);
    const [uid, gid, pid, ...links] = run.stdout.trim().split("\n");
    const want = `${options.runAs.uid} ${options.runAs.gid} 2 lo`;
    const got = [uid, gid, pid, ...links].join(" ");
    if (run.exitCode !== 0 || got !== want) {
      throw new Error(`the fiji sandbox does not contain jobs here: expected "uid gid pid links" = "${want}", got "${got}" (exit ${run.exitCode}, ${run.stderr.trim() || "no stderr"})`);
    }
  } finally {
    await scratch.remove();
  }
}
