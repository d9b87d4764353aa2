// The cloud pipeline at scale on the emulators (issue 17 item 3): stacks of tiny slices through the whole
// emulated cloud, every billed operation counted and held to the cost model exactly (the checks of
// test/cloud/scale.test.ts, test/cloud/support/scale-check.ts), at two sizes to show each count per slice is
// flat. Prints one JSON line per size and the per-slice ratios between them.
//   node dist/bench/scale/run.js [--sizes 2000,20000] [--size 64] [--align]   (default: 64² slices, skipAlign:
//   AKAZE finds too few keypoints on 64² sample slices; --align with --size 192 runs every stage)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulators } from "../../test/cloud/support/emulators.js";
import { startScaleWorld } from "../../test/cloud/support/scale-world.js";
import { checkScaleRun, LIMITS, stackFiles, type ScaleResult } from "../../test/cloud/support/scale-check.js";
import { optionReader } from "../support.js";

const option = optionReader(process.argv.slice(2));
const sizes = option("sizes", "2000,20000").split(",").map(Number);
const side = Number(option("size", "64"));
const align = process.argv.includes("--align");

const emu = await startEmulators(["pubsub", "firestore", "gcs", "workflows"]);
const world = await startScaleWorld(emu);
const work = mkdtempSync(path.join(tmpdir(), "emscale-bench-"));
const results: ScaleResult[] = [];
try {
  for (const n of sizes) {
    const files = await stackFiles(path.join(work, `s${n}`), n, side, align ? {} : { skipAlign: true });
    const cpu0 = process.cpuUsage();
    const r = await checkScaleRun(world, `stack-${n}/`, files);
    const cpu = process.cpuUsage(cpu0);
    results.push(r);
    const c = r.counts;
    console.log(
      JSON.stringify({
        slices: n,
        side,
        align,
        wallS: r.wallMs / 1000,
        tasksPerS: c.pubsub.messages / (r.wallMs / 1000),
        servicesCpuS: (cpu.user + cpu.system) / 1e6,
        counted: {
          gcsClassA: c.gcs.classA,
          gcsClassB: c.gcs.classB,
          gcsDeletes: c.gcs.deletes,
          firestoreReads: c.firestore.reads,
          firestoreCountReads: c.firestore.countReads,
          firestoreWrites: c.firestore.writes,
          pubsubMessages: c.pubsub.messages,
          pubsubBytes: c.pubsub.bytes,
          pushes: c.http.pushes,
          stepCalls: c.http.steps,
        },
        model: r.model,
        perSlice: r.perSlice,
        limits: {
          largestStepAnswerB: c.http.largestStepAnswer,
          workflowVariablesLimitB: LIMITS.workflowVariables,
          largestRunRecordB: c.firestore.largestRun,
          largestTaskRecordB: c.firestore.largestTask,
          firestoreDocumentLimitB: LIMITS.firestoreDocument,
          largestMessageB: c.pubsub.largest,
        },
      }),
    );
  }
  if (results.length === 2) {
    const [a, b] = results;
    const ratio = Object.fromEntries(Object.keys(a.perSlice).map((k) => [k, b.perSlice[k as keyof typeof a.perSlice] / a.perSlice[k as keyof typeof a.perSlice]]));
    console.log(JSON.stringify({ perSliceRatio: ratio, slicesRatio: b.slices / a.slices, wallPerSliceRatio: b.wallMs / b.slices / (a.wallMs / a.slices) }));
  }
} finally {
  await world.close();
  await emu.stop();
  rmSync(work, { recursive: true, force: true });
}
