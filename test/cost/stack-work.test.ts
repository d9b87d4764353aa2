// The cost model's picture of a stack against the pipeline itself, on memory stores: the tasks each stage
// runs and the objects each volume ends with are what stack-work.ts says (skipAlign, so the box is the
// slice's own size, which is the model's assumption); and the plan command's options parse as documented.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIngestConfig } from "../../core/config.js";
import { costPlan, pollsUntil } from "../../core/cost/cost-plan.js";
import { DEFAULT_CALIBRATION } from "../../core/cost/calibration.js";
import { LIST_PRICES, parsePrices } from "../../core/cost/prices.js";
import { pairsWithin, stackWork } from "../../core/cost/stack-work.js";
import { readManifest } from "../../core/pipeline/manifest.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { parsePlan } from "../../cli/plan-command.js";
import { FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "../pipeline/support/memory-pipeline.js";

test("tasks per stage and objects per volume: the model's numbers are the pipeline's (70 slices of 130², cubes of 64, jpeg + raw)", async () => {
  const deps = memoryDeps(await sampleSource(70, 130));
  const result = await runIngest(deps, { config: parseIngestConfig({ cube: 64, raw: true, skipAlign: true }), runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW });
  const work = stackWork(await readManifest(deps.out));
  assert.equal(work.run, result.run);
  const executed = Object.fromEntries(work.stages.filter((s) => s.tasks > 0).map((s) => [s.stage, s.tasks]));
  assert.deepEqual(executed, { render: 70, pyramid: 18 });
  assert.deepEqual(result.executed, { render: 70, pyramid: 18 });
  assert.equal(work.tilesPerSlice, 9);
  const keys = [...deps.out.snapshot().keys()];
  for (const volume of ["ng/jpeg/", "ng/raw/"]) {
    const objects = keys.filter((k) => k.startsWith(volume) && k !== `${volume}info` && k !== `${volume}provenance`).length;
    assert.equal(objects, (work.cubeObjects + work.reduceObjects) / work.volumes, volume);
  }
  assert.ok(work.reduceObjects > 0, "scales above the cube size are part of this stack");
});

test("align work: each slice matched with the up to nAdjacent slices before it, the feature files those pairs read", async () => {
  // Slices 1, 2, 3, 4 of 5 match 1, 2, 2, 2 earlier slices at k = 2 (align-task.ts).
  assert.equal(pairsWithin(5, 2), 7);
  assert.equal(pairsWithin(5, 1), 4);
  assert.equal(pairsWithin(2, 8), 1);
  const deps = memoryDeps(await sampleSource(5, 256));
  await runIngest(deps, { config: parseIngestConfig({ align: { nAdjacent: 3 } }), runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW });
  const work = stackWork(await readManifest(deps.out));
  // 1 + 2 + 3 + 3 pairs over 4 align tasks.
  assert.equal(work.alignPairs, 9);
  assert.equal(work.alignFeatureReads, 13);
  assert.equal(work.stages.find((s) => s.stage === "align")?.units, 9);
});

test("plan's figures: a stage with no tasks costs nothing; dollars scale with the prices; polls follow ingest.yaml's doubling to 60 s", async () => {
  const deps = memoryDeps(await sampleSource(4, 64));
  await runIngest(deps, { config: parseIngestConfig({ skipAlign: true }), runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW });
  const work = stackWork(await readManifest(deps.out));
  const plan = costPlan(work, DEFAULT_CALIBRATION, LIST_PRICES);
  assert.deepEqual(plan.stages.filter((s) => s.tasks === 0).map((s) => s.cpuSeconds), [0, 0, 0]);
  const doubled = costPlan(work, DEFAULT_CALIBRATION, parsePrices(JSON.stringify({ gcsClassA1k: 2 * LIST_PRICES.gcsClassA1k, gcsClassB1k: 2 * LIST_PRICES.gcsClassB1k }), "p.json"));
  assert.ok(Math.abs(doubled.dollars.gcs - 2 * plan.dollars.gcs) < 1e-12);
  assert.deepEqual(pollsUntil(0, 5), { polls: 1, waited: 0 });
  assert.deepEqual(pollsUntil(1, 5), { polls: 2, waited: 5 });
  // 5 + 10 + 20 + 40 + 60 + 60 = 195 s.
  assert.deepEqual(pollsUntil(190, 5), { polls: 7, waited: 195 });
});

test("plan options: the calibration file under XDG_CONFIG_HOME, --calibrate alone, bounds named", () => {
  const cmd = parsePlan(["stack"], { XDG_CONFIG_HOME: "/x" });
  assert.equal(cmd.calibrationFile, "/x/emingest/calibration.json");
  assert.equal(cmd.instances, 100);
  assert.equal(parsePlan(["--calibrate"], {}).slices, undefined);
  assert.throws(() => parsePlan([], {}), /plan takes one slices folder or gs:\/\/bucket\/prefix/);
  assert.throws(() => parsePlan(["s", "--instances", "1.5"], {}), /--instances must be a whole number from 1 to 100000, got "1.5"/);
  assert.throws(() => parsePlan(["s", "--bogus"], {}), /Unknown option '--bogus'/);
});
