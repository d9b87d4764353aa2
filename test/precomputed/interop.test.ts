// Interop with the reference: we write volumes (cube tasks + reduce step; jpeg, raw and png chunks) to disk, tensorstore reads every
// scale (tools/python/precomputed_read.py), and tensorstore re-writes the same spec so we can compare the
// object names it chooses with ours (tools/python/precomputed_rewrite.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  assembleHandoff,
  cubeBoxAt,
  infoBytes,
  listCubes,
  planPyramid,
  writeCube,
  writeReduce,
  type CubeHandoff,
  type PlanOptions,
  type VolumeTarget,
} from "../../core/precomputed/index.js";
import { runPythonJson } from "../support/python.js";
import { crop, dirPut, referencePyramid, testVolume } from "./support.js";

const JPEG_QUALITY = 90;
// Honest JPEG bounds for this texture at q90, per scale. Measured: mean abs 0.7-1.5 at cube scales, up to
// 2.5 at the small top scales (the downsampled texture is busier), max abs <= 13.
const JPEG_MEAN_ABS_MAX = 3;
const JPEG_MAX_ABS_MAX = 24;

const cases: Array<{ name: string; opts: PlanOptions }> = [
  { name: "300x200x70-sharded", opts: { size: [300, 200, 70], resolution: [8, 8, 8], chunk: [32, 32, 32], cube: [128, 128, 64] } },
  { name: "300x200x70-unsharded", opts: { size: [300, 200, 70], resolution: [8, 8, 8], chunk: [32, 32, 32], cube: [128, 128, 64], sharded: false } },
  { name: "1000x37x5-sharded", opts: { size: [1000, 37, 5], resolution: [4, 4, 40], cube: [256, 64, 64] } },
  { name: "64x64x64-unsharded", opts: { size: [64, 64, 64], resolution: [8, 8, 8], sharded: false } },
  { name: "64x64x64-sharded", opts: { size: [64, 64, 64], resolution: [8, 8, 8], chunk: [16, 16, 16], cube: [32, 32, 32] } },
  { name: "129x130x3-sharded", opts: { size: [129, 130, 3], resolution: [4, 4, 40], chunk: [16, 16, 16], cube: [32, 64, 16] } },
  { name: "129x130x3-unsharded", opts: { size: [129, 130, 3], resolution: [4, 4, 40], chunk: [32, 32, 32], cube: [64, 64, 32], sharded: false } },
];

interface ReadScale {
  scale: number;
  key: string;
  shape: number[];
  file: string;
}

for (const { name, opts } of cases) {
  test(`tensorstore reads our ${name} volume (jpeg + raw + png) at every scale`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), `emingest-pc-${name}-`));
    try {
      const plan = planPyramid(opts);
      const volume = testVolume(plan.size);
      const written = new Map<string, number>();
      const put = dirPut(dir, written);
      const targets: VolumeTarget[] = [
        { encoding: "jpeg", jpegQuality: JPEG_QUALITY, put, keyPrefix: "jpeg/" },
        { encoding: "raw", dataEncoding: plan.sharded ? "gzip" : undefined, put, keyPrefix: "raw/" },
        { encoding: "png", put, keyPrefix: "png/" },
      ];
      for (const t of targets) await put(`${t.keyPrefix}info`, infoBytes(plan, t));

      const handoffs: CubeHandoff[] = [];
      for (const cube of listCubes(plan)) {
        const box = cubeBoxAt(plan, cube, 0);
        const handoff = await writeCube({ plan, cube, voxels: crop(volume, plan.size, box.begin, box.end), targets });
        if (handoff) handoffs.push(handoff);
      }
      if (plan.handoffScale !== undefined) await writeReduce({ plan, voxels: assembleHandoff(plan, handoffs).data, targets });

      // No object is written twice: cubes and the reduce step own disjoint keys.
      assert.deepEqual([...written].filter(([, n]) => n > 1), []);

      const reference = referencePyramid(plan, volume);
      const stats: string[] = [];
      for (const encoding of ["raw", "png", "jpeg"]) {
        const scales = await runPythonJson<ReadScale[]>("precomputed_read.py", [path.join(dir, encoding), path.join(dir, `read-${encoding}`)]);
        assert.equal(scales.length, plan.scales.length);
        for (const s of scales) {
          assert.deepEqual(s.shape, plan.scales[s.scale].size);
          const theirs = new Uint8Array(await readFile(s.file));
          const ours = reference[s.scale];
          if (encoding !== "jpeg") {
            assert.ok(Buffer.from(theirs).equals(Buffer.from(ours)), `${encoding} scale ${s.scale} differs`);
          } else {
            let sum = 0;
            let max = 0;
            for (let i = 0; i < ours.length; i++) {
              const d = Math.abs(theirs[i] - ours[i]);
              sum += d;
              if (d > max) max = d;
            }
            const mean = sum / ours.length;
            stats.push(`s${s.scale} mean ${mean.toFixed(2)} max ${max}`);
            assert.ok(mean < JPEG_MEAN_ABS_MAX && max <= JPEG_MAX_ABS_MAX, `jpeg scale ${s.scale}: mean abs ${mean}, max abs ${max}`);
          }
        }
      }
      console.log(`# ${name}: ${plan.scales.length} scales, top cube scale ${plan.topCubeScale}, jpeg ${stats.join("; ")}`);

      // Tensorstore writing the same spec chooses the same object names (shard files or chunk files).
      const rewrite = await runPythonJson<Record<string, string[]>>("precomputed_rewrite.py", [path.join(dir, "raw"), path.join(dir, "ts-raw")]);
      for (const scale of plan.scales) {
        const ours = (await readdir(path.join(dir, "raw", scale.key))).sort();
        assert.deepEqual(ours, rewrite[scale.key], `scale ${scale.key} object names`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
