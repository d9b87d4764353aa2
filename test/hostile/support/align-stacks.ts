// Helpers of the alignment and metadata hostile cases (test/hostile/alignment-failure.test.ts, metadata.test.ts):
// stacks made by the real `emingest sample`, spoiled slices, the run's recorded state, and the checks that a
// finished volume shows every good slice as itself (tensorstore reads it; OpenCV computes the expectation).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { openLocalState } from "../../../adapters/local/local-state.js";
import { apply, compose, corners, invert, type Affine } from "../../../core/geometry/affine.js";
import { DEFAULT_CONFIG } from "../../../core/config.js";
import type { RunRecord } from "../../../core/ports.js";
import { sequence } from "../../../core/sample/random.js";
import { checksums, runCli, type CliResult } from "../../support/cli.js";
import { runPythonJson } from "../../support/python.js";

export function tempDir(t: { after: (fn: () => void) => void }, prefix = "emalign-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function sampleStack(dir: string, count: number, size: number, seed = 11): Promise<void> {
  const r = await runCli(["sample", dir, "--count", String(count), "--size", String(size), "--seed", String(seed)]);
  assert.equal(r.code, 0, r.stderr);
}

export const sliceFile = (slices: string, z: number): string => path.join(slices, `img${String(z).padStart(5, "0")}.png`);

/** A constant slice: no features at all. */
export async function writeBlank(file: string, size: number, value = 120): Promise<void> {
  await sharp(new Uint8Array(size * size).fill(value), { raw: { width: size, height: size, channels: 1 } }).png().toFile(file);
}

/** Uniform noise: many features, no two slices alike. */
export async function writeNoise(file: string, size: number, seed: number): Promise<void> {
  const rand = sequence(seed);
  const data = new Uint8Array(size * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
  await sharp(data, { raw: { width: size, height: size, channels: 1 } }).png().toFile(file);
}

/** Runs the CLI and checks that the input folder is byte-for-byte what it was. */
export async function runKeepingInput(slices: string, args: string[]): Promise<CliResult> {
  const before = await checksums(slices);
  const r = await runCli(args);
  assert.deepEqual(await checksums(slices), before, "the input folder changed");
  return r;
}

/** The run record in a local output folder (the run id is the manifest's). */
export async function localRun(out: string): Promise<RunRecord | undefined> {
  const manifest = JSON.parse(readFileSync(path.join(out, "report", "manifest.json"), "utf8")) as { run: string };
  const state = await openLocalState(out, out);
  try {
    return await state.runs.getRun(manifest.run);
  } finally {
    await state.close();
  }
}

/** A refused run left nothing of a volume: no `info`, no plan, no summary. */
export function assertNoVolume(out: string): void {
  for (const key of ["ng/jpeg/info", "ng/raw/info", "tmp/plan.json", "report/summary.json", "report/transforms.json"]) {
    assert.equal(existsSync(path.join(out, key)), false, `${key} exists`);
  }
}

interface ReportRow {
  z: number;
  key: string;
  source: number;
  global: Affine;
}

/**
 * A finished aligned run over a sample stack whose slices `bad` were spoiled: exactly those were stood in for,
 * each by its nearest good neighbour's image; every good slice shows its own image, placed as the ground truth
 * says (relative to the first good slice, the reference); tensorstore reads every plane of the raw volume
 * equal to the OpenCV oracle's warp of the slice the report names, and every stand-in plane equal to its source's.
 */
export async function assertSubstitutedExactly(slices: string, out: string, bad: readonly number[], size: number): Promise<void> {
  const report = JSON.parse(readFileSync(path.join(out, "report", "transforms.json"), "utf8")) as { slices: ReportRow[] };
  const zs = report.slices.map((r) => r.z);
  const good = zs.filter((z) => !bad.includes(z));
  const sourceOf = (z: number) => {
    const before = good.filter((g) => g < z);
    return before.length > 0 ? before[before.length - 1] : good[0];
  };
  assert.deepEqual(report.slices.map((r) => r.source), zs.map((z) => (bad.includes(z) ? sourceOf(z) : z)), "sources");

  const truth = JSON.parse(readFileSync(path.join(slices, "ground-truth.json"), "utf8")).global as Affine[];
  const reference = invert(truth[good[0]]);
  for (const row of report.slices) {
    if (bad.includes(row.z)) continue;
    const expected = compose(reference, truth[row.z]);
    const worst = Math.max(...corners(size, size).map(([x, y]) => Math.hypot(apply(row.global, x, y)[0] - apply(expected, x, y)[0], apply(row.global, x, y)[1] - apply(expected, x, y)[1])));
    assert.ok(worst <= 0.5, `slice ${row.z}: worst corner error ${worst.toFixed(3)} px against the ground truth`);
  }

  const diffs = await runPythonJson<Record<string, Array<{ scale: number; max_abs: number; shape: number[]; expected_shape: number[] }>>>("e2e_expected.py", [slices, out, "0", "8"]);
  assert.ok(diffs.raw.length > 0 && diffs.raw.every((d) => d.max_abs === 0), JSON.stringify(diffs.raw));
  for (const z of bad) {
    const planes = await runPythonJson<{ equal: boolean }>("e2e_planes_equal.py", [path.join(out, "ng", "raw"), String(z - zs[0]), String(sourceOf(z) - zs[0])]);
    assert.equal(planes.equal, true, `plane ${z} shows slice ${sourceOf(z)}`);
  }
}

interface SummaryEvidence {
  pair: [number, number];
  stage: "align" | "bridge";
  flags: string[];
  why: string;
}

/**
 * report/summary.json names exactly the bad slices, each with every pair it is part of as failed evidence
 * (each with `flag` among its flags, when given).
 */
export function assertEvidence(out: string, bad: readonly number[], flag?: string): Array<{ z: number; evidence: SummaryEvidence[] }> {
  const summary = JSON.parse(readFileSync(path.join(out, "report", "summary.json"), "utf8")) as {
    substitutions: Array<{ z: number; source: number; reason: string; evidence: SummaryEvidence[] }>;
  };
  assert.deepEqual(summary.substitutions.map((s) => s.z), [...bad]);
  for (const s of summary.substitutions) {
    assert.ok(s.evidence.length >= 2, `slice ${s.z}: ${s.evidence.length} pairs of evidence`);
    for (const e of s.evidence) {
      assert.ok(e.pair.includes(s.z), `slice ${s.z}: evidence pair ${e.pair.join(",")} does not hold it`);
      // Pairs up to nAdjacent apart are the align stage's (core/pipeline/align-task.ts), farther ones bridges.
      assert.equal(e.stage, e.pair[1] - e.pair[0] <= DEFAULT_CONFIG.align.nAdjacent ? "align" : "bridge");
      assert.ok(e.flags.length > 0 && (flag === undefined || e.flags.includes(flag)), `pair ${e.pair.join(",")}: ${e.flags.join(",")}`);
      assert.ok(e.why.length > 0);
    }
  }
  return summary.substitutions;
}

/** The alignment error printed by the CLI: the headline, one line per failed pair, the line that says what to change. */
export function alignmentErrorLines(stderr: string): { headline: string; pairs: string[]; fix: string } {
  // Progress lines come first on a stderr that is not a terminal; the error starts at "emingest: ".
  const all = stderr.trimEnd().split("\n");
  const lines = all.slice(Math.max(0, all.findIndex((l) => l.startsWith("emingest: "))));
  assert.match(lines[0], /^emingest: run run-[0-9a-f]{12}: alignment failed: /, stderr);
  assert.match(lines[lines.length - 1], /^to go on: /, stderr);
  const pairs = lines.slice(1, -1);
  for (const line of pairs) assert.match(line, /^ {2}(pair \(\d+, \d+\): \S.*|\.\.\. and \d+ more failed pairs)$/, stderr);
  assert.doesNotMatch(stderr, /^ {4}at /m, "no stack trace");
  return { headline: lines[0], pairs, fix: lines[lines.length - 1] };
}
