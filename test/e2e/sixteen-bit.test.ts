// 16-bit input: slices are windowed to 8 bits by the stack's percentiles (the default) or each by its own
// (--window16-scope slice), aligned and written; the oracle applies the documented window with numpy and
// the warp with native OpenCV. The slices get brighter with z, so the two scopes give different volumes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { apply, corners, type Affine } from "../../core/geometry/affine.js";
import { runCli } from "../support/cli.js";
import { runPythonJson } from "../support/python.js";

test("16-bit PNG slices are windowed (stack and slice scope), aligned and match the oracle exactly", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "em16-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const eight = path.join(dir, "eight");
  const slices = path.join(dir, "sixteen");
  const size = 512;
  assert.equal((await runCli(["sample", eight, "--count", "6", "--size", String(size), "--seed", "9"])).code, 0);
  mkdirSync(slices);
  for (const name of readdirSync(eight).filter((n) => n.endsWith(".png"))) {
    const { data } = await sharp(path.join(eight, name)).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
    // a 12-bit-like range with an offset, as detectors deliver, drifting brighter with z:
    // v16 = 900 + 150 * z + 13 * v8 + (x + y) % 7
    const z = Number(/(\d+)\.png$/.exec(name)?.[1]);
    const wide = new Uint16Array(size * size);
    for (let i = 0; i < wide.length; i++) wide[i] = 900 + 150 * z + 13 * data[i] + ((i % size) + Math.floor(i / size)) % 7;
    await sharp(wide, { raw: { width: size, height: size, channels: 1 } }).toColourspace("grey16").png().toFile(path.join(slices, name));
  }
  writeFileSync(path.join(slices, "ground-truth.json"), readFileSync(path.join(eight, "ground-truth.json")));
  const meta = await sharp(path.join(slices, "img00000.png")).metadata();
  assert.equal(meta.depth, "ushort");

  const truth = JSON.parse(readFileSync(path.join(slices, "ground-truth.json"), "utf8")).global as Affine[];
  for (const scope of ["stack", "slice"] as const) {
    const out = path.join(dir, `out-${scope}`);
    const flags = scope === "stack" ? [] : ["--window16-scope", "slice"];
    const run = await runCli(["run", slices, "--out", out, "--raw", "--json", "--workers", "2", ...flags]);
    assert.equal(run.code, 0, run.stderr);
    const manifest = JSON.parse(readFileSync(path.join(out, "report", "manifest.json"), "utf8")) as { window16Bounds?: number[] };
    if (scope === "stack") assert.equal(manifest.window16Bounds?.length, 2, "the stack's window is in the manifest");
    else assert.equal(manifest.window16Bounds, undefined);
    const report = JSON.parse(readFileSync(path.join(out, "report", "transforms.json"), "utf8"));
    for (const row of report.slices as Array<{ z: number; global: Affine }>) {
      const worst = Math.max(
        ...corners(size, size).map(([x, y]) => {
          const [a, b] = [apply(row.global, x, y), apply(truth[row.z], x, y)];
          return Math.hypot(a[0] - b[0], a[1] - b[1]);
        }),
      );
      assert.ok(worst <= 0.5, `${scope}: slice ${row.z}: worst corner error ${worst} px`);
    }
    const diffs = await runPythonJson<Record<string, Array<{ scale: number; max_abs: number; mismatches: number }>>>("e2e_expected.py", [slices, out, "0", "8", "0.5", "99.5", scope]);
    for (const d of diffs.raw) assert.equal(d.max_abs, 0, `${scope}: raw scale ${d.scale}: ${d.mismatches} voxels differ`);
  }
  // Not a vacuous option: the same slices give other voxels with the other scope (checked by the oracle).
  const other = await runPythonJson<Record<string, Array<{ scale: number; max_abs: number }>>>("e2e_expected.py", [slices, path.join(dir, "out-stack"), "0", "8", "0.5", "99.5", "slice"]);
  assert.ok(other.raw[0].max_abs > 20, `stack and slice windows should differ on drifting slices, max diff ${other.raw[0].max_abs}`);
});
