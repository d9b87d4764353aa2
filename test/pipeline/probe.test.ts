// The probe (core/util/probe.ts) that bench/e2e measures through: every step of issue 17 item 1 that runs
// inside a task handler is named to it, and probing changes nothing in the output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIngestConfig } from "../../core/config.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import type { Probe, StepName } from "../../core/util/probe.js";
import { FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "./support/memory-pipeline.js";

/** Counts how often each step is named. */
function recordingProbe(): Probe & { counts: Map<StepName, number> } {
  const counts = new Map<StepName, number>();
  const count = (name: StepName) => counts.set(name, (counts.get(name) ?? 0) + 1);
  return {
    counts,
    step: async (name, run) => {
      count(name);
      return run();
    },
    stepSync: (name, run) => {
      count(name);
      return run();
    },
  };
}

test("a probed run names every in-task step and writes the same bytes as an unprobed one", async () => {
  const source = await sampleSource(4, 256);
  const config = parseIngestConfig({ cube: 64, claheClip: 2, downsample: 2 });
  const plain = memoryDeps(source);
  await runIngest(plain, { config, runner: new InProcessRunner(plain), progress: silentProgress, now: FIXED_NOW });

  const probe = recordingProbe();
  const probed = { ...memoryDeps(source), probe };
  await runIngest(probed, { config, runner: new InProcessRunner(probed), progress: silentProgress, now: FIXED_NOW });

  // 4 slices, each decoded and downsampled once for features and once for render; decoded once more for the
  // report's "before" reslices (at most MAX_BEFORE_SLICES of them).
  assert.equal(probe.counts.get("decode"), 12);
  assert.equal(probe.counts.get("downsample"), 12);
  assert.equal(probe.counts.get("features"), 4);
  assert.equal(probe.counts.get("warp"), 4);
  assert.equal(probe.counts.get("clahe"), 4);
  for (const step of ["tile-cut", "cube-assembly", "box-downsample", "jpeg-encode"] as const) {
    assert.ok((probe.counts.get(step) ?? 0) > 0, `${step} was named`);
  }
  assert.equal(probe.counts.get("window16"), undefined, "8-bit slices are not windowed");
  assert.deepEqual(probed.out.snapshot(), plain.out.snapshot());
});
