// The OME-Zarr copy in the pipeline, on memory stores: every shard is written by exactly one writer (one
// pyramid task or the reduce step, never two), every object of ng/zarr/ is in the run's output ledger, and
// the layout's shard shapes give each cube one whole shard per scale it owns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIngestConfig } from "../../core/config.js";
import { runLedger } from "../../core/pipeline/output-ledger.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { cubeBoxAt, listCubes, planPyramid } from "../../core/precomputed/index.js";
import { crc32c, shardShapeXYZ, shardsInBox, ZARR_PREFIX, zarrMetadataKeys } from "../../core/zarr/index.js";
import { FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "../pipeline/support/memory-pipeline.js";

test("crc32c: the check value of the Castagnoli CRC (RFC 3720 B.4)", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
});

test("each cube covers exactly one shard of every scale it owns, and the shards of a scale tile it once", () => {
  for (const [size, resolution, cube] of [
    [[300, 200, 150], [8, 8, 8], [64, 64, 64]],
    [[1000, 700, 90], [4, 4, 30], [128, 128, 64]],
    [[130, 64, 5], [8, 8, 8], [64, 64, 64]],
  ] as const) {
    const plan = planPyramid({ size: [...size], resolution: [...resolution], cube: [...cube] });
    for (let s = 0; s <= plan.topCubeScale; s++) {
      const seen = new Set<string>();
      for (const c of listCubes(plan)) {
        const box = cubeBoxAt(plan, c, s);
        const shards = shardsInBox(plan, s, box.begin, box.end);
        assert.equal(shards.length, 1, `scale ${s} cube ${c}: ${shards.length} shards`);
        const key = shards[0].join(",");
        assert.ok(!seen.has(key), `scale ${s}: shard ${key} has two writers`);
        seen.add(key);
      }
      const shape = shardShapeXYZ(plan, s);
      const grid = [0, 1, 2].map((d) => Math.ceil(plan.scales[s].size[d] / shape[d]));
      assert.equal(seen.size, grid[0] * grid[1] * grid[2], `scale ${s}: the cubes cover every shard`);
      for (let d = 0; d < 3; d++) assert.equal(shape[d] % plan.chunk[d], 0, `scale ${s}: shard ${shape} is whole chunks`);
    }
  }
});

test("a run with zarr: every ng/zarr/ object has one writer and is in the output ledger", async () => {
  const deps = memoryDeps(await sampleSource(5, 256));
  const result = await runIngest(deps, { config: parseIngestConfig({ cube: 64, zarr: true }), runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW });
  const written = [...deps.out.snapshot().keys()].filter((k) => k.startsWith(ZARR_PREFIX));
  const record = await deps.runs.getRun(result.run);
  assert.ok(record);
  const ledger = await runLedger(deps.runs, record);
  assert.ok(ledger, "the done run has a ledger");
  const zarrEntries = ledger.filter((e) => e.key.startsWith(ZARR_PREFIX));
  const writers = new Map<string, string[]>();
  for (const e of zarrEntries) writers.set(e.key, [...(writers.get(e.key) ?? []), e.by]);
  for (const [key, by] of writers) assert.equal(by.length, 1, `${key} written by ${by.join(", ")}`);
  assert.deepEqual([...writers.keys()].sort(), written.sort(), "the ledger lists exactly the objects of ng/zarr/");
  for (const e of zarrEntries) assert.equal(e.size, deps.out.snapshot().get(e.key)!.byteLength, `${e.key}: recorded size`);
  const byKind = (by: string) => zarrEntries.filter((e) => e.by === by || (by === "pyramid" && e.by.startsWith("pyramid-"))).length;
  assert.ok(byKind("pyramid") >= 16 && byKind("reduce") >= 1, `pyramid tasks wrote ${byKind("pyramid")} shards, reduce ${byKind("reduce")}`);
  const plan = JSON.parse(new TextDecoder().decode(deps.out.snapshot().get(`${ZARR_PREFIX}zarr.json`))) as { attributes: { ome: { multiscales: Array<{ datasets: unknown[] }> } } };
  const levels = plan.attributes.ome.multiscales[0].datasets.length;
  for (const key of zarrMetadataKeys(planPyramid({ size: result.summary.volume.size, resolution: result.summary.volume.resolution, cube: [64, 64, 64] }))) {
    assert.equal(writers.get(key)?.[0], "finalize", `${key} is the finalize step's`);
  }
  assert.equal(levels, result.summary.scales);
});
