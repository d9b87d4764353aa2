// `emingest run --detector sift` through the real CLI on the generated sample stack (the same stack as
// local-run.test.ts): SIFT features are what the run stored, alignment is within the same bound against the
// ground truth, the raw volume tensorstore reads equals the aligned stack computed independently by native
// OpenCV + numpy (e2e_expected.py) voxel for voxel, a bad --detector is one line naming the field, and the
// same output folder with the other detector is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeFeatures } from "../../core/align/index.js";
import { apply, corners, type Affine } from "../../core/geometry/affine.js";
import { checksums, runCli } from "../support/cli.js";
import { runPythonJson } from "../support/python.js";

interface ScaleDiff {
  scale: number;
  shape: number[];
  expected_shape: number[];
  max_abs: number;
  mismatches: number;
}

test("emingest run --detector sift: 16 slices of 1024x1024 -> aligned volume that tensorstore reads", { timeout: 900_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emsift-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  const sample = await runCli(["sample", slices, "--count", "16", "--size", "1024", "--seed", "7"]);
  assert.equal(sample.code, 0, sample.stderr);

  // A bad detector: one line naming the field and the allowed values, exit 1, nothing written.
  const bad = await runCli(["run", slices, "--out", out, "--detector", "surf"]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'emingest: command line: "align": "detector" must be one of akaze, sift, got "surf"\n');
  assert.equal(existsSync(out), false);

  const before = await checksums(slices);
  const run = await runCli(["run", slices, "--out", out, "--detector", "sift", "--raw", "--json", "--workers", "2", "--keep-tmp"]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.summary.slices, 16);
  assert.deepEqual(result.summary.substitutions, []);
  assert.deepEqual(await checksums(slices), before);

  // The run recorded and used SIFT: the manifest's config, and every stored features object.
  const manifest = JSON.parse(readFileSync(path.join(out, "report", "manifest.json"), "utf8"));
  assert.equal(manifest.config.align.detector, "sift");
  const featureFiles = readdirSync(path.join(out, "tmp", "features"));
  assert.equal(featureFiles.length, 16);
  for (const name of featureFiles) {
    const f = decodeFeatures(readFileSync(path.join(out, "tmp", "features", name)));
    assert.equal(f.detector, "sift", name);
    assert.equal(f.descriptorBytes, 128, name);
    assert.ok(f.count > 1000, `${name}: ${f.count} keypoints`);
  }

  const truth = JSON.parse(readFileSync(path.join(slices, "ground-truth.json"), "utf8")).global as Affine[];
  const report = JSON.parse(readFileSync(path.join(out, "report", "transforms.json"), "utf8"));
  let worst = 0;
  report.slices.forEach((row: { global: Affine }, i: number) => {
    for (const [x, y] of corners(1024, 1024)) {
      const [ax, ay] = apply(row.global, x, y);
      const [bx, by] = apply(truth[i], x, y);
      worst = Math.max(worst, Math.hypot(ax - bx, ay - by));
    }
  });
  t.diagnostic(`sift: worst corner error vs ground truth: ${worst.toFixed(3)} px`);
  assert.ok(worst <= 0.5, `worst corner error ${worst} px > 0.5 px`);

  // The same folder with the other detector is another run (the detector is part of the config, so of the
  // run id): refused by name before anything is written, so AKAZE features never meet these SIFT ones.
  const volume = await checksums(out);
  const other = await runCli(["run", slices, "--out", out, "--detector", "akaze", "--raw", "--keep-tmp"]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /^emingest: .*out: the output folder holds emingest run run-[0-9a-f]{12}, made from other slices or settings than run run-[0-9a-f]{12}; choose another folder\n$/);
  assert.deepEqual(await checksums(out), volume);

  const diffs = await runPythonJson<Record<string, ScaleDiff[]>>("e2e_expected.py", [slices, out, "0", "8"]);
  assert.ok(diffs.raw.length >= 3, JSON.stringify(diffs));
  for (const d of diffs.raw) {
    assert.deepEqual(d.shape, d.expected_shape, `raw scale ${d.scale} shape`);
    assert.equal(d.max_abs, 0, `raw scale ${d.scale}: ${d.mismatches} voxels differ (max ${d.max_abs})`);
  }
});
