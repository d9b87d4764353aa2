// Placement (issue 16 item 4) through the real CLI, read back by tensorstore at the voxel_offset it finds in
// `info`: two partial ingests of one stack hold the same voxels at the same global coordinates, and those
// are the slices' own pixels; an aligned run puts its box origin (or 0, with --xy-origin zero) in x, y.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { runCli } from "../support/cli.js";
import { repoRoot, runPythonJson } from "../support/python.js";

interface Overlap {
  volumes: Array<Array<{ origin: number[]; end: number[]; nonzero: boolean }>>;
  overlap: { origin: number[]; end: number[]; differing: number; voxels: number; slices: Array<{ z: number; equals_slice: boolean }> };
}

function offsets(infoFile: string): number[][] {
  const info = JSON.parse(readFileSync(infoFile, "utf8")) as { scales: Array<{ voxel_offset: number[] }> };
  return info.scales.map((s) => s.voxel_offset);
}

test("two partial ingests (--maxz 6, --minz 3) line up: tensorstore finds slice z at global z in both", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emplace-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slices = path.join(dir, "slices");
  assert.equal((await runCli(["sample", slices, "--count", "10", "--size", "256", "--seed", "3"])).code, 0);
  const a = path.join(dir, "a");
  const b = path.join(dir, "b");
  for (const [out, cut] of [[a, ["--maxz", "6"]], [b, ["--minz", "3"]]] as const) {
    const run = await runCli(["run", slices, "--out", out, ...cut, "--skip-align", "--raw", "--workers", "1"]);
    assert.equal(run.code, 0, run.stderr);
  }
  assert.deepEqual(offsets(path.join(b, "ng", "raw", "info"))[0], [0, 0, 3]);
  const seen = await runPythonJson<Overlap>("placement_overlap.py", [path.join(a, "ng", "raw"), path.join(b, "ng", "raw"), slices, "img%05d.png"]);
  // Every scale opens at its offset and holds data (upper scales at floor(offset / factor)).
  assert.deepEqual(seen.volumes[0][0], { origin: [0, 0, 0], end: [256, 256, 7], nonzero: true });
  assert.deepEqual(seen.volumes[1][0], { origin: [0, 0, 3], end: [256, 256, 10], nonzero: true });
  assert.deepEqual(seen.volumes[1][1].origin, [0, 0, 1]);
  assert.ok(seen.volumes.every((v) => v.length >= 2 && v.every((s) => s.nonzero)), JSON.stringify(seen.volumes));
  assert.deepEqual([seen.overlap.origin, seen.overlap.end], [[0, 0, 3], [256, 256, 7]]);
  assert.equal(seen.overlap.differing, 0, `${seen.overlap.differing} of ${seen.overlap.voxels} overlapping voxels differ`);
  assert.deepEqual(seen.overlap.slices.map((s) => [s.z, s.equals_slice]), [[3, true], [4, true], [5, true], [6, true]]);
  // The jpeg pyramid carries the same placement.
  assert.deepEqual(offsets(path.join(b, "ng", "jpeg", "info")), offsets(path.join(b, "ng", "raw", "info")));

  // Provenance beside each info: source, settings, code version (package.json + git describe of this tree), run id.
  const manifest = JSON.parse(readFileSync(path.join(b, "report", "manifest.json"), "utf8")) as { run: string; config: unknown };
  const provenance = JSON.parse(readFileSync(path.join(b, "ng", "raw", "provenance"), "utf8"));
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
  const git = execFileSync("git", ["-C", repoRoot, "describe", "--always", "--dirty"], { encoding: "utf8" }).trim();
  assert.deepEqual(provenance.sources, [slices]);
  assert.equal(provenance.processing[0].method.run, manifest.run);
  assert.deepEqual(provenance.processing[0].method.settings, manifest.config);
  assert.deepEqual(provenance.processing[0].method.slices, { count: 7, first: 3, last: 9, width: 256, height: 256, bitDepth: 8 });
  // The build record is from the last build: its git part may predate uncommitted edits, never another commit.
  assert.match(provenance.processing[0].by, new RegExp(`^emingest ${pkg.version.replace(/\./g, "\\.")} \\(${git.replace(/-dirty$/, "")}(-dirty)?\\)$`));
  assert.deepEqual(readFileSync(path.join(b, "ng", "jpeg", "provenance")), readFileSync(path.join(b, "ng", "raw", "provenance")));
  // It is among the objects the run recorded: a rerun that finds it missing writes it again.
  const before = readFileSync(path.join(b, "ng", "raw", "provenance"));
  rmSync(path.join(b, "ng", "raw", "provenance"));
  const rerun = await runCli(["run", slices, "--out", b, "--minz", "3", "--skip-align", "--raw", "--workers", "1"]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(readFileSync(path.join(b, "ng", "raw", "provenance")), before);
});

test("an aligned run: voxel_offset x, y is the aligned box origin (--xy-origin box, the default) or 0 (zero)", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emplace-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slices = path.join(dir, "slices");
  assert.equal((await runCli(["sample", slices, "--count", "6", "--size", "256", "--seed", "3"])).code, 0);
  const box = path.join(dir, "box");
  const zero = path.join(dir, "zero");
  for (const [out, extra] of [[box, []], [zero, ["--xy-origin", "zero"]]] as const) {
    const run = await runCli(["run", slices, "--out", out, "--minz", "2", "--workers", "1", ...extra]);
    assert.equal(run.code, 0, run.stderr);
  }
  const aligned = JSON.parse(readFileSync(path.join(box, "report", "transforms.json"), "utf8")) as { box: { x0: number; y0: number } };
  // The sample stack drifts, so the box does not start at the first slice's corner: the test can tell.
  assert.ok(aligned.box.x0 !== 0 || aligned.box.y0 !== 0, JSON.stringify(aligned.box));
  const placed = offsets(path.join(box, "ng", "jpeg", "info"));
  assert.deepEqual(placed[0], [aligned.box.x0, aligned.box.y0, 2]);
  assert.deepEqual(placed[1], [Math.floor(aligned.box.x0 / 2), Math.floor(aligned.box.y0 / 2), 1]);
  assert.deepEqual(offsets(path.join(zero, "ng", "jpeg", "info"))[0], [0, 0, 2]);
  const opened = await runPythonJson<Overlap>("placement_overlap.py", [path.join(box, "ng", "jpeg"), path.join(zero, "ng", "jpeg"), slices, "img%05d.png"]);
  assert.deepEqual(opened.volumes[0].map((s) => s.origin), placed);
  const refused = await runCli(["run", slices, "--out", path.join(dir, "bad"), "--xy-origin", "centre"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /"xyOrigin" must be/);
});
