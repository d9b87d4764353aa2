// A blank slice in the middle of a stack: both pairs that touch it fail, the bridge pairs that span them
// (the pairs nAdjacent + 1 to maxConsecutiveBad + 1 apart, core/align/bridge-pairs.ts) and the pairs 2 apart carry the alignment over it,
// and its neighbour stands in for it in the output. The report names the substitution.
// 2 of 7 pairs fail, more than the default share (0.1): the run accepts it with --max-failed-pair-share.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { apply, corners, type Affine } from "../../core/geometry/affine.js";
import { runCli } from "../support/cli.js";
import { runPythonJson } from "../support/python.js";

test("a blank slice is flagged, bridged and stood in for by its neighbour", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emsub-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  const size = 512;
  assert.equal((await runCli(["sample", slices, "--count", "8", "--size", String(size), "--seed", "11"])).code, 0);
  await sharp(new Uint8Array(size * size).fill(120), { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toFile(path.join(slices, "img00004.png"));

  const run = await runCli(["run", slices, "--out", out, "--raw", "--json", "--workers", "2", "--max-failed-pair-share", "0.3"]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  // Pairs (3,4) and (4,5) failed: every pair more than nAdjacent (2) and up to 3 apart that spans one of
  // them was asked for, (1,4) (2,5) (3,6) (4,7) (core/align/bridge-pairs.ts); the align stage matched
  // (2,4) (3,5) (4,6).
  assert.equal(DEFAULT_CONFIG.align.nAdjacent, 2);
  assert.equal(result.executed.bridge, 4);
  assert.deepEqual(
    result.summary.substitutions.map((s: { z: number; source: number }) => [s.z, s.source]),
    [[4, 3]],
  );
  assert.deepEqual(
    result.summary.flaggedPairs.map((p: { z: number }) => p.z),
    [4, 5],
  );

  const truth = JSON.parse(readFileSync(path.join(slices, "ground-truth.json"), "utf8")).global as Affine[];
  const report = JSON.parse(readFileSync(path.join(out, "report", "transforms.json"), "utf8"));
  for (const row of report.slices as Array<{ z: number; global: Affine; source: number }>) {
    if (row.z === 4) continue;
    const worst = Math.max(...corners(size, size).map(([x, y]) => Math.hypot(...diff(apply(row.global, x, y), apply(truth[row.z], x, y)))));
    assert.ok(worst <= 0.5, `slice ${row.z}: worst corner error ${worst} px`);
  }
  assert.equal(report.slices[4].source, 3);

  // tensorstore reads the raw volume: plane 4 is plane 3, and every plane matches the OpenCV oracle
  const diffs = await runPythonJson<Record<string, Array<{ scale: number; max_abs: number }>>>("e2e_expected.py", [slices, out, "0", "8"]);
  assert.ok(diffs.raw.every((d) => d.max_abs === 0), JSON.stringify(diffs.raw));
  const planes = await runPythonJson<{ equal: boolean }>("e2e_planes_equal.py", [path.join(out, "ng", "raw"), "3", "4"]);
  assert.equal(planes.equal, true);
});

function diff(a: [number, number], b: [number, number]): [number, number] {
  return [a[0] - b[0], a[1] - b[1]];
}
