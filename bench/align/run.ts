// bench/align (issue 3 item 7): per-pair time and peak memory of emingest's aligner vs native OpenCV
// (opencv-python-headless) running the same method, one core each, on the same PNG files.
//
//   node dist/bench/align/run.js [--sizes 2048,4096,8192] [--reps 3] [--cpu 0] [--max-size 1024]
//                                [--cap-mib 2048] [--heap-mib 1024] [--dir DIR] [--detector akaze|sift]
//
// Per size, one synthetic pair with a known affine (pairs.ts) is rendered once and written as 8-bit PNGs
// (to DIR, reused when present, else a temp dir removed at the end). Per repetition, two child processes,
// each under `taskset -c CPU`, align the pair from the files: node-pair.js (emingest, node
// --max-old-space-size=HEAP) and native_pair.py (cv2.setNumThreads(1)); the order alternates. Timed in
// both: decode of both PNGs, features of both slices (downsample + AKAZE), matching, fit, model choice.
// While a child runs, /proc/PID/status VmRSS is polled every 20 ms and the child is killed above CAP MiB;
// its own peak (VmHWM) is reported. Prints the table (medians) and one JSON line with every run.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { DETECTORS, type Detector } from "../../core/align/descriptors.js";
import { DEFAULT_ALIGN_PARAMS } from "../../core/align/index.js";
import type { Affine } from "../../core/geometry/affine.js";
import { pairTruth, worstCornerError, writePair } from "./pairs.js";
import { benchPaths, optionReader } from "../support.js";

const { here, repoRoot, python } = benchPaths(import.meta.url);
const nativePair = path.join(repoRoot, "bench", "align", "native_pair.py");
const nodePair = path.join(here, "node-pair.js");

interface Options {
  sizes: number[];
  reps: number;
  cpu: number;
  maxSize: number;
  capMiB: number;
  heapMiB: number;
  dir: string | undefined;
  /** align.detector for both engines (native_pair.py: cv2.AKAZE_create or cv2.SIFT_create + NORM_L2). */
  detector: Detector;
}

function parseOptions(argv: readonly string[]): Options {
  const get = optionReader(argv);
  const num = (name: string, fallback: string): number => {
    const v = Number(get(name, fallback));
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`--${name} must be a non-negative integer, got ${get(name, fallback)}`);
    return v;
  };
  const sizes = get("sizes", "2048,4096,8192").split(",").map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s < 64)) throw new RangeError(`--sizes must be integers >= 64, got ${get("sizes", "")}`);
  const dir = get("dir", "");
  const detector = get("detector", "akaze");
  if (!(DETECTORS as readonly string[]).includes(detector)) throw new RangeError(`--detector must be one of ${DETECTORS.join(", ")}, got ${detector}`);
  return { sizes, reps: num("reps", "3"), cpu: num("cpu", "0"), maxSize: num("max-size", "1024"), capMiB: num("cap-mib", "2048"), heapMiB: num("heap-mib", "1024"), dir: dir || undefined, detector: detector as Detector };
}

interface Run {
  engine: string;
  seconds: number;
  cpuSeconds: number;
  ms: { decode: number; features: number; pair: number };
  cpuMs: { decode: number; features: number; pair: number };
  keypoints: number[];
  factor: number;
  ok: boolean;
  model: string;
  matches: number;
  inliers: number;
  matrix: Affine;
  peakRssMiB: number;
  vmHwmMiB: number;
  rssBeforeMiB: number;
  /** Set by the parent. */
  watchedPeakMiB?: number;
  error?: string;
}

function vmRssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs `cmd args` under taskset, killing it above capMiB of RSS; resolves to its last stdout line as JSON. */
function pinned(cpu: number, capMiB: number, cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // taskset execs the command: the child pid is the benchmarked process.
    const child = spawn("taskset", ["-c", String(cpu), cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let watched = 0;
    let killed = false;
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setInterval(() => {
      if (child.pid === undefined) return;
      watched = Math.max(watched, vmRssMiB(child.pid));
      if (watched > capMiB && !killed) {
        killed = true;
        child.kill("SIGKILL");
      }
    }, 20);
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearInterval(timer);
      const lines = out.trim().split("\n");
      if (code === 0 && lines.length > 0) {
        resolve({ ...(JSON.parse(lines[lines.length - 1]) as Run), watchedPeakMiB: watched });
      } else {
        const why = killed ? `killed: RSS ${watched.toFixed(0)} MiB over the ${capMiB} MiB cap` : `exit ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`;
        resolve({ engine: path.basename(cmd), error: why, watchedPeakMiB: watched } as Run);
      }
    });
  });
}

const median = (xs: number[]): number => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
const fmt = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : "-");

async function main(argv: readonly string[]): Promise<void> {
  const o = parseOptions(argv);
  // Both engines get the same parameters: emingest's defaults with maxSize and detector from the command line.
  const params = JSON.stringify({ ...DEFAULT_ALIGN_PARAMS, maxSize: o.maxSize, detector: o.detector });
  const dir = o.dir ?? (await mkdtemp(path.join(tmpdir(), "emingest-align-bench-")));
  await mkdir(dir, { recursive: true });
  console.log(`bench/align ${new Date().toISOString()}: ${cpus()[0]?.model} (${cpus().length} CPUs; both engines pinned to CPU ${o.cpu}), node ${process.version}, load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
  console.log(`detector ${o.detector}, maxSize ${o.maxSize}, ${o.reps} repetitions, node --max-old-space-size=${o.heapMiB}, RSS cap ${o.capMiB} MiB (both), pairs in ${dir}`);
  const rows: string[][] = [[
    "size", "f", "emingest s", "native s", "wall ratio", "emingest cpu-s", "native cpu-s", "cpu ratio",
    "emingest peak MiB", "native peak MiB", "emingest err px", "native err px", "model (em/nat)", "inliers (em/nat)",
  ]];
  const all: Array<{ size: number; runs: Run[] }> = [];
  for (const size of o.sizes) {
    const prevFile = path.join(dir, `pair-${size}-prev.png`);
    const curFile = path.join(dir, `pair-${size}-cur.png`);
    if (!existsSync(prevFile) || !existsSync(curFile)) await writePair(size, prevFile, curFile);
    const truth = pairTruth(size);
    const runs: Run[] = [];
    const em = (): Promise<Run> => pinned(o.cpu, o.capMiB, process.execPath, [`--max-old-space-size=${o.heapMiB}`, nodePair, prevFile, curFile, params]);
    const nat = (): Promise<Run> => pinned(o.cpu, o.capMiB, python, [nativePair, prevFile, curFile, params]);
    for (let r = 0; r < o.reps; r++) {
      if (r % 2 === 0) runs.push(await em(), await nat());
      else runs.push(await nat(), await em());
    }
    all.push({ size, runs });
    const of = (engine: string) => runs.filter((x) => x.engine === engine && !x.error);
    const e = of("emingest");
    const n = of("opencv-python");
    const eS = median(e.map((x) => x.seconds));
    const nS = median(n.map((x) => x.seconds));
    const eC = median(e.map((x) => x.cpuSeconds));
    const nC = median(n.map((x) => x.cpuSeconds));
    const peak = (xs: Run[]) => Math.max(...xs.map((x) => Math.max(x.vmHwmMiB, x.watchedPeakMiB ?? 0)));
    const err = (xs: Run[]) => Math.max(...xs.map((x) => worstCornerError(x.matrix, truth, size)));
    const failures = runs.filter((x) => x.error).map((x) => `${x.engine}: ${x.error}`);
    rows.push([
      String(size), String(e[0]?.factor ?? n[0]?.factor ?? "-"), fmt(eS), fmt(nS), `${fmt(eS / nS)}x`, fmt(eC), fmt(nC), `${fmt(eC / nC)}x`,
      fmt(peak(e), 0), fmt(peak(n), 0), fmt(err(e), 3), fmt(err(n), 3),
      `${e[0]?.model ?? "-"}/${n[0]?.model ?? "-"}`, `${e[0]?.inliers ?? "-"}/${n[0]?.inliers ?? "-"}`,
    ]);
    const stage = (xs: Run[], k: keyof Run["cpuMs"]) => fmt(median(xs.map((x) => x.cpuMs[k])) / 1000);
    console.log(
      `${size}: stages (median cpu-s, emingest vs native) decode ${stage(e, "decode")} vs ${stage(n, "decode")}, features ${stage(e, "features")} vs ${stage(n, "features")}, ` +
        `match+fit ${stage(e, "pair")} vs ${stage(n, "pair")}; keypoints ${e[0]?.keypoints.join("/")} vs ${n[0]?.keypoints.join("/")}; ` +
        `ok ${e.every((x) => x.ok)} vs ${n.every((x) => x.ok)}${failures.length ? `; FAILED: ${failures.join("; ")}` : ""}`,
    );
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c])).join("  "));
  console.log("s = median wall seconds per pair (decode 2 PNGs + features of both slices + match + fit); ratio = emingest / native (lower is better);");
  console.log("peak = largest VmHWM over the repetitions; err = worst-corner error vs the known transform, worst repetition.");
  console.log(JSON.stringify({ date: new Date().toISOString(), options: o, results: all }));
  if (!o.dir) await rm(dir, { recursive: true, force: true });
}

await main(process.argv.slice(2));
