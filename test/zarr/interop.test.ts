// OME-Zarr 0.5 through the real CLI (issue 16 item 1): `emingest run --raw --zarr` over a stack of several
// cubes and scales above the cube size; tensorstore (zarr3 driver) and zarr-python 3 read every level
// voxel for voxel equal to the precomputed raw volume of the same scale (read by tensorstore), the group
// passes ome-zarr-models' NGFF 0.5 validation, and its transforms are the precomputed scales'. tensorstore,
// writing the same voxels with the same zarr.json, makes the same shard files byte for byte. A damaged
// zarr object of a finished run is named and redone by the next run, back to the same bytes.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../support/cli.js";
import { runPythonJson } from "../support/python.js";
import { snapshot } from "../hostile/support/output-tree.js";

interface Level {
  path: string;
  shape: number[];
  expected_shape: number[];
  tensorstore_mismatches: number;
  zarr_python_mismatches: number;
  nonzero: number;
  transforms: Array<{ type: string; scale?: number[]; translation?: number[] }>;
  resolution: number[];
  voxel_offset: number[];
}

interface ZarrRead {
  valid: boolean;
  error: string | null;
  levels: Level[];
  precomputed_scales: number;
  axes: Array<{ name: string; type: string; unit: string }>;
}

let work: string;
let slices: string;
let out: string;
let clean: Record<string, string>;
const args = (...more: string[]) => ["run", slices, "--out", out, "--raw", "--zarr", "--workers", "2", ...more];

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "emzarr-"));
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  slices = path.join(work, "slices");
  out = path.join(work, "out");
  const sample = await runCli(["sample", slices, "--count", "70", "--size", "200", "--seed", "3"]);
  assert.equal(sample.code, 0, sample.stderr);
  rmSync(path.join(slices, "ground-truth.json"));
  // Cubes of 64 voxels: 4 x 5 x 2 pyramid tasks, and scales above the cube size for the reduce step.
  writeFileSync(path.join(slices, "ingest.json"), JSON.stringify({ cube: 64, resolution: [4, 4, 30] }));
  const r = await runCli(args("--json"));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).summary.volumes.includes("ng/zarr/"));
  clean = await snapshot(out, [".emingest"]);
});

test("tensorstore writing the same levels from the same voxels makes the same shard files, byte for byte", { timeout: 300_000 }, async (t) => {
  const rewritten = await runPythonJson<{ levels: Array<{ path: string; files: number; same: number; differ: string[]; only_ours: string[]; only_tensorstore: string[]; bytes: number }> }>(
    "zarr_rewrite.py", [path.join(out, "ng", "zarr"), path.join(work, "tensorstore-zarr")]);
  assert.ok(rewritten.levels.length >= 4);
  for (const level of rewritten.levels) {
    t.diagnostic(`level ${level.path}: ${level.same}/${level.files} shard files identical, ${level.bytes} bytes`);
    assert.deepEqual([level.differ, level.only_ours, level.only_tensorstore], [[], [], []], `level ${level.path}`);
    assert.ok(level.files > 0 && level.same === level.files, `level ${level.path}`);
  }
});

test("tensorstore and zarr-python read every level exactly as the precomputed raw volume; NGFF 0.5 validates", { timeout: 300_000 }, async (t) => {
  const read = await runPythonJson<ZarrRead>("zarr_read.py", [path.join(out, "ng", "zarr"), path.join(out, "ng", "raw")]);
  assert.equal(read.error, null);
  assert.equal(read.valid, true);
  assert.deepEqual(read.axes.map((a) => [a.name, a.type, a.unit]), [["z", "space", "nanometer"], ["y", "space", "nanometer"], ["x", "space", "nanometer"]]);
  assert.equal(read.levels.length, read.precomputed_scales);
  assert.ok(read.levels.length >= 4, `${read.levels.length} levels`);
  for (const level of read.levels) {
    t.diagnostic(`level ${level.path}: ${level.shape.join("x")}, ${level.nonzero} non-zero voxels`);
    assert.deepEqual(level.shape, level.expected_shape, `level ${level.path}: shape`);
    assert.ok(level.nonzero > 0, `level ${level.path} holds the stack`);
    assert.equal(level.tensorstore_mismatches, 0, `level ${level.path}: tensorstore`);
    assert.equal(level.zarr_python_mismatches, 0, `level ${level.path}: zarr-python`);
    const [rx, ry, rz] = level.resolution;
    const [ox, oy, oz] = read.levels[0].voxel_offset;
    const [bx, by, bz] = read.levels[0].resolution;
    assert.deepEqual(level.transforms, [
      { type: "scale", scale: [rz, ry, rx] },
      // The centre of voxel 0, the mean of scale 0's voxels [offset, offset + factor) (NGFF places voxel centres).
      { type: "translation", translation: [(oz + rz / bz / 2) * bz, (oy + ry / by / 2) * by, (ox + rx / bx / 2) * bx] },
    ]);
  }
  // Anisotropic: z stays at 30 nm while x and y coarsen to 8 and 16 nm, then all three coarsen.
  assert.deepEqual(read.levels.slice(0, 3).map((l) => l.resolution), [[4, 4, 30], [8, 8, 30], [16, 16, 30]]);
});

test("a finished run whose zarr shard was deleted and whose group metadata was truncated is redone to the same bytes", { timeout: 300_000 }, async () => {
  const shard = Object.keys(clean).find((k) => /^ng\/zarr\/0\/c\/1\/1\/1$/.test(k));
  assert.ok(shard, Object.keys(clean).filter((k) => k.startsWith("ng/zarr/0/")).join(" "));
  unlinkSync(path.join(out, shard));
  truncateSync(path.join(out, "ng", "zarr", "zarr.json"), 10);
  const r = await runCli(args("--json"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /the finished output is damaged \(ng\/zarr\/0\/c\/1\/1\/1 is missing, ng\/zarr\/zarr\.json is shorter than the \d+ bytes recorded\); redoing \d+ render task\(s\), 1 pyramid task\(s\), the report/);
  assert.equal(JSON.parse(r.stdout).executed.pyramid, 1);
  assert.deepEqual(await snapshot(out, [".emingest"]), clean);
});
