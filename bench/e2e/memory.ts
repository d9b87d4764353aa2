// Peak memory of each task kind at the sizes users have (issue 17 item 2), each task alone in a process.
//
//   node dist/bench/e2e/memory.js --size 8192 [--slices 2] [--cube 512] [--skip-align] [--dir /tmp/emingest-bench]
//
// Generates a stack with `emingest sample` (cached in DIR/mem-NxS[-cC]), runs `emingest run` on it with
// --keep-tmp, --workers 1 and CLAHE 2 under /usr/bin/time (the whole run's peak), then runs one task of each
// kind again in its own process (one-task.ts): features and render of the last slice, align of the last
// pair, and pyramid of cube 0_0_0. For 1024^3 cubes: --size 1024 --slices 1024 --cube 1024 --skip-align
// (the pyramid task then reads 1024 tiles of 1024^2 and writes a 1024^3 cube).
// Prints one line per task and one JSON line ({"bench":"memory",...}).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { benchPaths, optionReader } from "../support.js";

async function main(argv: readonly string[]): Promise<void> {
  const opt = optionReader(argv);
  const size = Number(opt("size", "8192"));
  const slices = Number(opt("slices", "2"));
  const cube = Number(opt("cube", "512"));
  const skipAlign = argv.includes("--skip-align");
  const dir = path.resolve(opt("dir", "/tmp/emingest-bench"));
  const { repoRoot } = benchPaths(import.meta.url);
  const main = path.join(repoRoot, "dist/cli/main.js");
  const stack = path.join(dir, `mem-${slices}x${size}`);
  if (!existsSync(stack) || readdirSync(stack).filter((f) => f.endsWith(".png")).length !== slices) {
    await rm(stack, { recursive: true, force: true });
    execFileSync(process.execPath, [main, "sample", stack, "--count", String(slices), "--size", String(size)], { stdio: "inherit" });
  }
  writeFileSync(path.join(stack, "ingest.json"), JSON.stringify({ cube, claheClip: 2, skipAlign }));
  const out = path.join(dir, `mem-out-${slices}x${size}`);
  await rm(out, { recursive: true, force: true });
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %U %S %M", process.execPath, main, "run", stack, "--out", out, "--keep-tmp", "--workers", "1"], { encoding: "utf8" });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`emingest run failed (${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`);
  const whole = { wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), peakRssMiB: Math.round(Number(m[4]) / 1024) };
  console.log(`${slices} x ${size}^2, cube ${cube}${skipAlign ? ", skipAlign" : ""}: emingest run --workers 1: peak RSS ${whole.peakRssMiB} MiB, ${whole.cpuS.toFixed(1)} CPU-s`);
  const last = slices - 1;
  const ids = [...(skipAlign ? [] : [`features-${last}`, `align-${last}`]), `render-${last}`, "pyramid-0_0_0"];
  const tasks: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const child = spawnSync(process.execPath, [path.join(repoRoot, "dist/bench/e2e/one-task.js"), stack, out, id], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`${id} failed: ${child.stderr.trim().split("\n").slice(-3).join(" / ")}`);
    const line = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
    tasks.push(line);
    console.log(`  ${id}: peak RSS ${line.peakRssMiB} MiB (before the task ${line.rssBeforeMiB} MiB), ${Number(line.cpuS).toFixed(2)} CPU-s`);
  }
  await rm(out, { recursive: true, force: true });
  console.log(JSON.stringify({ bench: "memory", date: new Date().toISOString(), size, slices, cube, skipAlign, run: whole, tasks }));
}

await main(process.argv.slice(2));
