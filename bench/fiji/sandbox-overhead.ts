// bench/fiji: what the job sandbox (adapters/process/fiji-jail.ts) adds to a real ImageJ job, in wall ms.
//
//   node dist/bench/fiji/sandbox-overhead.js [--runs 9] [--jar .tools/imagej/ij.jar]      (as root)
//
// The test suite's invert job (test/fiji/service.test.ts: open, Invert, save as PNG, under xvfb-run -a, -Xmx256m)
// runs --runs times each way, in turn (bare, sandboxed, bare, ...) so that a drifting machine moves both:
//   bare       the command spawned as the job user in its own process group in a scratch folder: what
//              services/fiji did before the sandbox (spawn's uid/gid, detached);
//   sandboxed  ProcessSandbox.exec: bwrap (PID, network, mount, IPC, UTS namespaces) + setpriv + the init shell.
// Each run gets a fresh scratch folder with the same macro and input; only the command's wall time is taken.
// Prints min / median / max of each and the median of the paired differences (sandboxed - bare).
import { spawn } from "node:child_process";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { ProcessSandbox } from "../../adapters/process/fiji-sandbox.js";

const JOB_USER = { uid: 65534, gid: 65534 };
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const runs = Number(option("--runs", "9"));
const jar = path.resolve(option("--jar", ".tools/imagej/ij.jar"));
const command = ["xvfb-run", "-a", "java", "-Djava.awt.headless=false", "-jar", jar, "-batch", "macro.ijm"];
const macro = 'open("in.png");\nrun("Invert");\nsaveAs("PNG", getDirectory("current") + "out.png");\n';
const input = await sharp(Buffer.alloc(37 * 29, 90), { raw: { width: 37, height: 29, channels: 1 } }).toColourspace("b-w").png().toBuffer();

const root = await mkdtemp(path.join(tmpdir(), "fiji-bench-"));
await chmod(root, 0o711);
const sandbox = new ProcessSandbox({ root, runAs: JOB_USER, timeoutMs: 120_000, javaHeapMb: 256, xvfb: true });

async function sandboxed(): Promise<number> {
  const scratch = await sandbox.create();
  try {
    await scratch.write("macro.ijm", new TextEncoder().encode(macro));
    await scratch.write("in.png", input);
    const started = performance.now();
    const run = await scratch.exec(command.slice(2));
    const ms = performance.now() - started;
    if (run.exitCode !== 0 || (await scratch.read("out.png")).kind !== "file") throw new Error(`sandboxed run failed: ${run.stderr}`);
    return ms;
  } finally {
    await scratch.remove();
  }
}

/** The pre-sandbox way: the same command, environment and folder, spawned as the job user; no namespaces. */
async function bare(): Promise<number> {
  const dir = await mkdtemp(path.join(root, "bare-"));
  try {
    await chown(dir, JOB_USER.uid, JOB_USER.gid);
    for (const [name, bytes] of [["macro.ijm", Buffer.from(macro)], ["in.png", input]] as const) {
      await writeFile(path.join(dir, name), bytes);
      await chown(path.join(dir, name), JOB_USER.uid, JOB_USER.gid);
    }
    const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: dir, TMPDIR: dir, LANG: "C.UTF-8", JAVA_TOOL_OPTIONS: `-Xmx256m -Duser.home=${dir} -Djava.io.tmpdir=${dir}` };
    const started = performance.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command[0], command.slice(1), { cwd: dir, env, stdio: "ignore", detached: true, uid: JOB_USER.uid, gid: JOB_USER.gid });
      child.on("error", reject);
      child.on("close", resolve);
    });
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`bare run exited ${code}`);
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const row = (name: string, xs: number[]) => {
  const { min, median, max } = stats(xs);
  return `${name.padEnd(22)} ${min.toFixed(1).padStart(8)} ${median.toFixed(1).padStart(8)} ${max.toFixed(1).padStart(8)}`;
};

try {
  await bare();
  await sandboxed();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await bare());
    b.push(await sandboxed());
  }
  console.log(`ImageJ invert, ${runs} runs each (wall ms of the command)       min   median      max`);
  console.log(row("bare (before)", a));
  console.log(row("sandboxed (after)", b));
  console.log(row("sandboxed - bare", b.map((x, i) => x - a[i])));
} finally {
  await rm(root, { recursive: true, force: true });
}
