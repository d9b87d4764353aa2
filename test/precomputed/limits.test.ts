// The bounds of volume-limits.ts against the outside reader: tensorstore opens the `info` of a volume at
// each extreme the bounds allow, at every scale (metadata and one voxel; no chunk has to exist).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { infoBytes, planPyramid, type PlanOptions } from "../../core/precomputed/index.js";
import { MAX_EXTENT, MAX_RESOLUTION_NM, MIN_RESOLUTION_NM } from "../../core/precomputed/volume-limits.js";
import { runPythonJson } from "../support/python.js";

const extremes: Array<[string, PlanOptions]> = [
  ["finest xy, coarsest z, longest z", { size: [1, 1, MAX_EXTENT], resolution: [MIN_RESOLUTION_NM, MIN_RESOLUTION_NM, MAX_RESOLUTION_NM] }],
  ["coarsest everywhere, longest x", { size: [MAX_EXTENT, 2048, 2048], resolution: [MAX_RESOLUTION_NM, MAX_RESOLUTION_NM, MAX_RESOLUTION_NM] }],
  ["finest everywhere", { size: [4096, 4096, 4096], resolution: [MIN_RESOLUTION_NM, MIN_RESOLUTION_NM, MIN_RESOLUTION_NM] }],
];

for (const [name, opts] of extremes) {
  test(`tensorstore opens every scale at the bounds: ${name}`, async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "emlimits-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const plan = planPyramid(opts);
    for (const volume of [{ encoding: "jpeg" as const, jpegQuality: 90 }, { encoding: "raw" as const, dataEncoding: "gzip" as const }]) {
      mkdirSync(path.join(dir, volume.encoding));
      writeFileSync(path.join(dir, volume.encoding, "info"), infoBytes(plan, volume));
    }
    for (const volume of ["jpeg", "raw"]) {
      const read = await runPythonJson<Array<{ key: string; shape: number[]; resolution: number[]; voxel: number }>>("precomputed_open_info.py", [path.join(dir, volume)]);
      assert.deepEqual(read.map((s) => s.key), plan.scales.map((s) => s.key));
      assert.deepEqual(read.map((s) => s.shape), plan.scales.map((s) => s.size));
      assert.deepEqual(read.map((s) => s.resolution), plan.scales.map((s) => s.resolution));
      assert.ok(read.every((s) => s.voxel === 0));
    }
  });
}
