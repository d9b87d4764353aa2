// The cloud pipeline at scale on the emulators (issue 17 item 3): stacks of tiny slices through the whole
// emulated cloud, every billed operation counted and held to the cost model exactly (the checks of
// test/cloud/scale.test.ts, test/cloud/support/scale-check.ts), at two sizes to show each count per slice is
// flat. The services run as several OS processes each behind a round-robin front (scale-world.ts), which
// delivers every k-th finished task again to another instance (--redeliver-every k; 0: never).
// fake-gcs-server runs on its filesystem backend with its root in /dev/shm unless --gcs-backend says
// memory or filesystem (on disk): the memory backend scans the bucket per lookup (bench/scale/gcs-lookup.ts).
// Prints per size one "counted" JSON line as soon as the run ends (before any check, so a failed check
// still shows what was counted), then the checked line; then the per-slice ratios between the sizes.
//   node dist/bench/scale/run.js [--sizes 2000,20000] [--size 64] [--align] [--instances 2,2]
//     [--redeliver-every 500] [--gcs-backend filesystem-shm|filesystem|memory]
//   (default: 64² slices, skipAlign: AKAZE finds too few keypoints on 64² sample slices; --align with
//   --size 192 runs every stage)
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { startEmulators } from "../../test/cloud/support/emulators.js";
import { startScaleWorld } from "../../test/cloud/support/scale-world.js";
import { checkScaleRun, LIMITS, stackFiles, type ScaleResult } from "../../test/cloud/support/scale-check.js";
import { optionReader } from "../support.js";
import { emulatorGroups, groupCpuS } from "./proc-cpu.js";

const option = optionReader(process.argv.slice(2));
const sizes = option("sizes", "2000,20000").split(",").map(Number);
const side = Number(option("size", "64"));
const align = process.argv.includes("--align");
const [alignInstances, emwriteInstances] = option("instances", "2,2").split(",").map(Number);
const redeliverEvery = Number(option("redeliver-every", "500"));
const backend = option("gcs-backend", "filesystem-shm");
if (!["memory", "filesystem", "filesystem-shm"].includes(backend)) throw new Error(`--gcs-backend must be memory, filesystem or filesystem-shm, not "${backend}"`);

const emu = await startEmulators(
  ["pubsub", "firestore", "gcs", "workflows"],
  backend === "memory" ? {} : { gcsBackend: "filesystem", ...(backend === "filesystem-shm" ? { gcsRootParent: "/dev/shm" } : {}) },
);
const world = await startScaleWorld(emu, { instances: { align: alignInstances, emwrite: emwriteInstances }, redeliverEvery });
const groups = emulatorGroups(emu.dir);
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
const work = mkdtempSync(path.join(tmpdir(), "emscale-bench-"));
const results: ScaleResult[] = [];
try {
  for (const n of sizes) {
    const files = await stackFiles(path.join(work, `s${n}`), n, side, align ? {} : { skipAlign: true });
    const uploadStarted = Date.now();
    // The emulators' CPU from the upload's start: the upload is theirs too (the bench uploads straight to fake-gcs).
    const emu0 = Object.fromEntries(Object.entries(groups).map(([name, pgid]) => [name, groupCpuS(pgid)]));
    const r = await checkScaleRun(world, `stack-${n}/`, files, (counted) => {
      const emulatorsCpuS = Object.fromEntries(Object.entries(groups).map(([name, pgid]) => [name, groupCpuS(pgid) - emu0[name]]));
      console.log(JSON.stringify({ counted: n, backend, uploadAndRunS: (Date.now() - uploadStarted) / 1000, loadavg: load(), emulatorsCpuS, ...counted }));
    });
    results.push(r);
    const c = r.counts;
    console.log(
      JSON.stringify({
        slices: n,
        side,
        align,
        backend,
        loadavg: load(),
        wallS: r.wallMs / 1000,
        tasksPerS: c.pubsub.messages / (r.wallMs / 1000),
        servicesCpuS: Object.values(r.processes.cpuS).reduce((a, b) => a + b, 0),
        processes: r.processes,
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
