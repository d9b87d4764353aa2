// The pipeline's table (core/pipeline/stages.ts): the order the README and DESIGN.md describe, every step
// after what it reads, every fan-out stage's tasks of its own stage, and the services' shares of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIngestConfig } from "../../core/config.js";
import type { RunManifest } from "../../core/pipeline/manifest.js";
import type { RunPlan } from "../../core/pipeline/run-plan.js";
import { FAN_OUT, PIPELINE, runHasStage, SERVICES, STAGES, stagesRunBy } from "../../core/pipeline/stages.js";
import { parseTaskId, taskId } from "../../core/pipeline/tasks.js";
import { MemoryRunStore } from "../support/memory-run-store.js";

const manifest = (skipAlign: boolean): RunManifest => ({
  run: "run-000000000000",
  config: parseIngestConfig({ skipAlign, align: { maxFailedPairShare: 1, nAdjacent: 1 } }),
  slices: [3, 4, 5].map((z) => ({ z, key: `img${z}.png` })),
  width: 64,
  height: 64,
  sourceWidth: 64,
  sourceHeight: 64,
  depth: 8,
});

test("the pipeline runs features, align, bridge, plan, render, pyramid, finalize; each step after what it reads", () => {
  assert.deepEqual(PIPELINE.map((s) => s.name), ["features", "align", "bridge", "plan", "render", "pyramid", "finalize"]);
  assert.deepEqual(STAGES, ["features", "align", "bridge", "render", "pyramid"]);
  PIPELINE.forEach((step, i) => {
    for (const before of step.after) assert.ok(PIPELINE.slice(0, i).some((s) => s.name === before), `${step.name} reads ${before}, which runs after it`);
  });
  assert.deepEqual(stagesRunBy("align"), ["features", "align", "bridge"]);
  assert.deepEqual(stagesRunBy("emwrite"), ["render", "pyramid"]);
  // Every stage is fed by the topic pushed to the service that runs it, and every service runs some stage.
  for (const s of FAN_OUT) assert.equal(s.topic, s.service, `${s.name}: fed by ${s.topic}, run by ${s.service}`);
  for (const service of SERVICES) assert.ok(stagesRunBy(service).length > 0);
});

test("each stage lists tasks of its own stage, one per slice, pair or cube; alignment stages only when the run aligns", async () => {
  const runs = new MemoryRunStore();
  // Pair (4, 5) failed: with nAdjacent 1 the bridge stage asks for (3, 5) around it (at 2, align-5 matched it).
  const run = manifest(false).run;
  await runs.recordTask({ run, id: "align-4", stage: "align", status: "done", attempts: 1, durationMs: 0, outcome: { ok: true, flags: [] } });
  await runs.recordTask({ run, id: "align-5", stage: "align", status: "done", attempts: 1, durationMs: 0, outcome: { ok: false, flags: ["too-few-matches"] } });
  const plan = async () => ({ cubes: [[0, 0, 0], [1, 0, 0]] }) as unknown as RunPlan;
  const listed: Record<string, string[]> = {};
  for (const spec of FAN_OUT) {
    const tasks = await spec.tasks({ manifest: manifest(false), runs, plan });
    for (const t of tasks) {
      assert.equal(t.stage, spec.name);
      assert.equal(taskId(parseTaskId(t.id)!), t.id);
    }
    listed[spec.name] = tasks.map((t) => t.id);
  }
  assert.deepEqual(listed, {
    features: ["features-3", "features-4", "features-5"],
    align: ["align-4", "align-5"],
    bridge: ["bridge-3-5"],
    render: ["render-3", "render-4", "render-5"],
    pyramid: ["pyramid-0_0_0", "pyramid-1_0_0"],
  });
  const skipping = manifest(true);
  assert.deepEqual(FAN_OUT.filter((s) => runHasStage(s, skipping)).map((s) => s.name), ["render", "pyramid"]);
  assert.deepEqual(FAN_OUT.filter((s) => runHasStage(s, manifest(false))).map((s) => s.name), [...STAGES]);
});
