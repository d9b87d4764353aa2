// A slice rewritten while its run is going (a microscope's software still saving into the folder, a
// corrected slice uploaded mid-run): its features task read one version, its render task would read
// another, and the volume would show content the alignment never saw. The render task stops, naming the
// slice, before anything of it is written; the run is failed, and a rerun refuses to resume over it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIngestConfig } from "../../core/config.js";
import { keys } from "../../core/pipeline/keys.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import type { TaskMessage } from "../../core/ports.js";
import { FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "./support/memory-pipeline.js";

const CONFIG = parseIngestConfig({ cube: 64 });

/** Runs every stage in process; after the features stage, `between` runs once. */
class RewritingRunner extends InProcessRunner {
  constructor(
    deps: ConstructorParameters<typeof InProcessRunner>[0],
    private readonly between: () => Promise<void>,
  ) {
    super(deps);
  }

  override async runStage(stage: string, tasks: readonly TaskMessage[]) {
    const failed = await super.runStage(stage, tasks);
    if (stage === "features") await this.between();
    return failed;
  }
}

test("a slice rewritten between its features and its render: the render stops naming it, nothing of it is written, a rerun refuses", async () => {
  const source = await sampleSource(5, 256);
  const deps = memoryDeps(source);
  const other = (await source.get("img00004.png"))!;
  const runner = new RewritingRunner(deps, () => source.put("img00002.png", other));
  await assert.rejects(
    runIngest(deps, { config: CONFIG, runner, progress: silentProgress, now: FIXED_NOW }),
    /slices\/img00002\.png: changed during the run/,
  );
  const render = runner.delivered.filter((t) => t.stage === "render").map((t) => t.z);
  assert.deepEqual(render, [0, 1, 2, 3, 4], "every render task was tried");
  const written = [...deps.out.snapshot().keys()];
  assert.ok(!written.includes(keys.slab(2)), "slice 2 has no rendered slab");
  assert.ok(written.includes(keys.slab(1)) && written.includes(keys.slab(3)), "the other slices rendered");
  assert.equal(written.filter((k) => k.startsWith("ng/jpeg/") && k !== "ng/jpeg/info").length, 0, "no chunk of the volume was written");
  const record = await deps.runs.getRun(runner.delivered[0].run);
  assert.equal(record?.status, "failed");
  assert.match(String(record?.details.error), /img00002\.png: changed during the run/);

  // The rerun: slice 2 changed after a finished task (its features) read it: refused, naming it.
  await assert.rejects(
    runIngest(deps, { config: CONFIG, runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW }),
    /slices\/img00002\.png: changed after run \S+ read it/,
  );
});

test("the plan keeps the version each features task read: on an undisturbed run, the versions the run recorded when it opened", async () => {
  const deps = memoryDeps(await sampleSource(5, 256));
  const result = await runIngest(deps, { config: CONFIG, runner: new InProcessRunner(deps), progress: silentProgress, now: FIXED_NOW, keepTmp: true });
  const record = await deps.runs.getRun(result.run);
  assert.equal(record?.status, "done");
  const plan = JSON.parse(new TextDecoder().decode(await deps.out.get(keys.plan))) as { sliceVersions?: unknown[] };
  assert.equal(plan.sliceVersions?.length, 5);
  assert.deepEqual(plan.sliceVersions, record?.details.sliceVersions);
});
