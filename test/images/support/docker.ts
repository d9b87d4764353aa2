// The Docker engine of test/images: a dockerd of the test's own (scripts/images.sh start/stop: its PID,
// nothing else), the images built by scripts/images.sh from this checkout (seconds when the layer cache in
// ~/.cache/emingest/docker is warm), and containers on the host's network (or none), removed at the end.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { parseEnv, REPO } from "../../cloud/support/emulators.js";

const exec = promisify(execFile);
const SCRIPT = path.join(REPO, "scripts", "images.sh");

export type ImageName = "base" | "align" | "emwrite" | "fiji";

export interface Docker {
  /** The docker client's output (stdout, trimmed); a failure carries its stderr. */
  cli(args: readonly string[], input?: string): Promise<string>;
  /** Builds the images from this checkout (cached layers make a rebuild of unchanged sources take seconds). */
  build(names: readonly ImageName[], env?: Record<string, string>): Promise<Record<ImageName, string>>;
  /** Starts a detached container (removed when the engine stops); returns its id. */
  start(image: string, options: ContainerOptions): Promise<Container>;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface ContainerOptions {
  env?: Record<string, string>;
  network?: "host" | "none";
  /** Replaces the image's command. */
  command?: readonly string[];
  entrypoint?: string;
  user?: string;
  volumes?: readonly string[];
  /** More `docker run` flags (capabilities, security options) a service's sandbox may need. */
  runFlags?: readonly string[];
  /** Each line the container writes to stdout or stderr, as it comes. */
  onLine?: (line: string) => void;
}

export interface Container {
  id: string;
  /** Every line so far (stdout and stderr). */
  lines: string[];
  exited: Promise<void>;
}

export async function startDocker(): Promise<Docker> {
  // Short: containerd's sockets live under the state folder (unix socket paths are short).
  const dir = mkdtempSync("/tmp/emdk-");
  try {
    await exec("bash", [SCRIPT, "start", dir, String(process.pid)], { maxBuffer: 1 << 24 });
  } catch (error) {
    await exec("bash", [SCRIPT, "stop", dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const env = parseEnv(readFileSync(path.join(dir, "env"), "utf8"));
  const client = env.DOCKER;
  const containers = new Set<string>();
  const followers = new Set<ChildProcess>();
  const cli = async (args: readonly string[], input?: string): Promise<string> => {
    const child = execFile(client, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
    if (input !== undefined) child.stdin!.end(input);
    return new Promise((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`docker ${args.join(" ")}: exit ${code}: ${err.trim()}`))));
    });
  };
  return {
    env,
    cli,
    async build(names, extra = {}) {
      const { stdout, stderr } = await exec("bash", [SCRIPT, "build", dir, ...names], { env: { ...process.env, ...extra }, maxBuffer: 1 << 26 });
      process.stderr.write(stderr.replace(/^/gm, "# "));
      const refs = {} as Record<ImageName, string>;
      for (const line of stdout.trim().split("\n")) {
        const [name, ref] = line.split(" ");
        refs[name as ImageName] = ref;
      }
      return refs;
    },
    async start(image, options) {
      const args = ["run", "-d", "--network", options.network ?? "none"];
      for (const [k, v] of Object.entries(options.env ?? {})) args.push("-e", `${k}=${v}`);
      if (options.entrypoint !== undefined) args.push("--entrypoint", options.entrypoint);
      if (options.user) args.push("--user", options.user);
      for (const v of options.volumes ?? []) args.push("-v", v);
      args.push(...(options.runFlags ?? []));
      const id = await cli([...args, image, ...(options.command ?? [])]);
      containers.add(id);
      const lines: string[] = [];
      const follower = spawn(client, ["logs", "-f", id], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      followers.add(follower);
      const exited = new Promise<void>((resolve) => follower.on("close", () => (followers.delete(follower), resolve())));
      for (const stream of [follower.stdout, follower.stderr]) {
        let buffered = "";
        stream.on("data", (chunk: Buffer) => {
          buffered += chunk.toString("utf8");
          const parts = buffered.split("\n");
          buffered = parts.pop() ?? "";
          for (const line of parts) {
            lines.push(line);
            options.onLine?.(line);
          }
        });
      }
      return { id, lines, exited };
    },
    async stop() {
      for (const id of containers) await cli(["rm", "-f", id]).catch(() => undefined);
      for (const f of followers) f.kill();
      await exec("bash", [SCRIPT, "stop", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs every clean-up step even when one fails (a leaked emulator or daemon outlives the test), then
 * throws the first failure. */
export async function cleanUp(...steps: Array<(() => unknown) | undefined>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step?.();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length) throw failures[0];
}


export { freePort } from "../../support/free-port.js";

/** Polls url until it answers 200 (or the container ends, or 60 s pass). */
export async function waitHealthy(url: string, container: Container): Promise<void> {
  let ended = false;
  void container.exited.then(() => (ended = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (ended || Date.now() > deadline) throw new Error(`${url} never answered; container output:\n${container.lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
