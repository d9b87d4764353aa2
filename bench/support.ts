// What the bench drivers share: where the repository and its oracle venv are (the compiled driver runs from
// dist/bench/<name>/), and `--name value` options read from the command line.
import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

/** The compiled bench's folder, the repository root and the venv's python, from the bench's import.meta.url. */
export function benchPaths(moduleUrl: string): { here: string; repoRoot: string; python: string } {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const repoRoot = path.resolve(here, "../../..");
  return { here, repoRoot, python: path.join(repoRoot, ".venv", "bin", "python") };
}

/** The value after `--name` in argv, or `fallback`. */
export function optionReader(argv: readonly string[]): (name: string, fallback: string) => string {
  return (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The header cells of an emingest-vs-tensorstore comparison (comparisonCells gives a row of them). */
export const COMPARISON_HEADER = ["emingest s", "tensorstore s", "emingest Mvox/s", "tensorstore Mvox/s", "speed ratio", "cpu-s ratio", "emingest B/vox", "tensorstore B/vox", "size ratio", "same keys"];

export interface Side {
  seconds: readonly number[];
  cpuSeconds: readonly number[];
  bytes: number;
}

/** Medians of both sides over `voxels` scale-0 voxels, and the emingest / tensorstore ratios. */
export function comparisonCells(em: Side, ts: Side, voxels: number, sameKeys: boolean): string[] {
  const emS = median(em.seconds);
  const tsS = median(ts.seconds);
  return [
    emS.toFixed(2),
    tsS.toFixed(2),
    (voxels / emS / 1e6).toFixed(1),
    (voxels / tsS / 1e6).toFixed(1),
    `${(tsS / emS).toFixed(2)}x`,
    `${(median(ts.cpuSeconds) / median(em.cpuSeconds)).toFixed(2)}x`,
    (em.bytes / voxels).toFixed(4),
    (ts.bytes / voxels).toFixed(4),
    `${(em.bytes / ts.bytes).toFixed(3)}x`,
    sameKeys ? "yes" : "NO",
  ];
}

/** Rows of cells, right-aligned in columns. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c])).join("  "));
}

/** `cmd args` pinned to one CPU (taskset); the JSON {"seconds", "cpu_seconds"} its last line prints. */
export async function pinned(cpu: number, cmd: string, args: string[]): Promise<{ seconds: number; cpu_seconds: number }> {
  const { stdout } = await promisify(execFile)("taskset", ["-c", String(cpu), cmd, ...args], { maxBuffer: 16 * 1024 * 1024 });
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as { seconds: number; cpu_seconds: number };
}

/** Relative path -> size of every file under dir whose name `keep` accepts (default: all). */
export async function fileSizes(dir: string, keep: (name: string) => boolean = () => true, rel = ""): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) for (const [k, v] of await fileSizes(dir, keep, r)) out.set(k, v);
    else if (keep(e.name)) out.set(r, (await stat(path.join(dir, r))).size);
  }
  return out;
}
