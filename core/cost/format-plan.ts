// The plan as the command prints it: one table per kind of figure, each dollar amount with the price it
// comes from, so a reader can redo the arithmetic.
import { CLOUD_MAX_SLICES } from "../pipeline/source-versions.js";
import type { CostPlan } from "./cost-plan.js";

const fmt = (v: number, digits = 2) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : v.toFixed(digits));
const usd = (v: number) => `$${v < 0.01 && v > 0 ? v.toExponential(2) : v.toFixed(2)}`;

export function formatPlan(plan: CostPlan, where: string): string[] {
  const { work, operations: ops, prices: p, deployment: d } = plan;
  const n = work.slices;
  const per = (v: number) => fmt(v / n, 3);
  const lines = [
    `plan for ${where}: run ${work.run}, ${n} slices of ${Math.sqrt(work.sourcePixels) % 1 === 0 ? `${Math.sqrt(work.sourcePixels)}²` : `${work.sourcePixels} px`}, ${fmt(work.inputBytes / 1e9, 3)} GB of pixels, ${work.pyramid.scales.length} scales, ${work.stages.find((s) => s.stage === "pyramid")?.tasks ?? 0} cubes`,
    `calibration: ${plan.calibration.measuredOn} (${plan.calibration.measuredAt}); prices of ${p.asOf} (USD); ${d.instances} instances x ${d.concurrency} tasks, ${d.memoryGib} GiB each`,
    "",
    "stage      tasks      CPU-s    wall-s  polls",
    ...plan.stages.map((s) => `${s.stage.padEnd(9)} ${String(s.tasks).padStart(6)} ${fmt(s.cpuSeconds).padStart(10)} ${fmt(s.wallSeconds).padStart(9)} ${String(s.polls).padStart(6)}`),
    `barriers         - ${fmt(plan.barrierCpuSeconds).padStart(10)}`,
    "",
    `CPU: ${fmt(plan.cpuSeconds / 3600, 4)} CPU-hours (${fmt(plan.cpuSeconds)} CPU-s; a local run adds ${fmt(plan.calibration.startupCpu)} s of start-up: ${fmt(plan.localCpuSeconds)} CPU-s)`,
    `memory: ${fmt(plan.memoryGibSeconds / 3600, 4)} GiB-hours`,
    "",
    "operations                 total   per slice",
    `GCS Class A (writes, lists) ${String(ops.gcsClassA).padStart(9)} ${per(ops.gcsClassA).padStart(10)}`,
    `GCS Class B (reads)         ${String(ops.gcsClassB).padStart(9)} ${per(ops.gcsClassB).padStart(10)}`,
    `GCS deletes (free)          ${String(ops.gcsDeletes).padStart(9)} ${per(ops.gcsDeletes).padStart(10)}`,
    `Firestore reads             ${String(ops.firestoreReads).padStart(9)} ${per(ops.firestoreReads).padStart(10)}`,
    `Firestore writes            ${String(ops.firestoreWrites).padStart(9)} ${per(ops.firestoreWrites).padStart(10)}`,
    `Pub/Sub messages            ${String(ops.pubsubMessages).padStart(9)} ${per(ops.pubsubMessages).padStart(10)}`,
    `Pub/Sub bytes (task JSON)   ${String(ops.pubsubBytes).padStart(9)} ${per(ops.pubsubBytes).padStart(10)}`,
    `workflow step calls         ${String(ops.stepCalls).padStart(9)} ${per(ops.stepCalls).padStart(10)}`,
    `workflow steps              ${String(ops.workflowSteps).padStart(9)} ${per(ops.workflowSteps).padStart(10)}`,
    `output storage              ${fmt(plan.outputBytes / 1e9, 3)} GB (${d.jpegBytesPerVoxel} B/voxel jpeg${work.volumes > 1 ? `, ${d.rawBytesPerVoxel} raw` : ""}, +1/7 for the scales above 0)`,
    "",
    "dollars",
    `compute    ${usd(plan.dollars.compute).padStart(12)}  $${p.runVcpuSecond}/vCPU-s, $${p.runGibSecond}/GiB-s (Cloud Run, request-based)`,
    `requests   ${usd(plan.dollars.requests).padStart(12)}  $${p.runMillionRequests}/million (pushes and step calls)`,
    `pubsub     ${usd(plan.dollars.pubsub).padStart(12)}  $${p.pubsubTib}/TiB, at least ${p.pubsubMinBytes} B per publish and per push`,
    `firestore  ${usd(plan.dollars.firestore).padStart(12)}  $${p.firestoreReads100k} / $${p.firestoreWrites100k} per 100k reads / writes`,
    `gcs        ${usd(plan.dollars.gcs).padStart(12)}  $${p.gcsClassA1k} / $${p.gcsClassB1k} per 1k Class A / B`,
    `workflows  ${usd(plan.dollars.workflows).padStart(12)}  $${p.workflowsSteps1k} per 1k internal steps`,
    `storage    ${usd(plan.dollars.storageMonth).padStart(12)}  per month, $${p.gcsGbMonth}/GB-month (Standard)`,
    `total      ${usd(plan.totalDollars).padStart(12)}  (${usd(work.inputBytes > 0 ? (plan.totalDollars - plan.dollars.storageMonth) / (work.inputBytes / 1e12) : 0)} per TB of input, storage aside)`,
    "",
    `wall time at ${d.instances} instances: ${fmt(plan.wallSeconds / 60, 1)} min (critical path through the barriers; ${d.coldStartSeconds} s cold start per stage; polls every ${d.pollSeconds} s doubling to 60 s)`,
    n > CLOUD_MAX_SLICES
      ? `cloud: refused: ${n} slices, a cloud run takes at most ${fmt(CLOUD_MAX_SLICES)} (a version tag per slice in its 1 MiB run record); split the stack or run it locally`
      : `cloud: at most ${fmt(CLOUD_MAX_SLICES)} slices per run (a version tag per slice in its 1 MiB run record)`,
  ];
  return lines;
}
