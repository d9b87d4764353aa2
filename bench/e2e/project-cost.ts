// The headline (issue 17 item 5): projected dollars and minutes per TB of input for a FIB-SEM stack on Cloud
// Run, from the CPU seconds bench/e2e/run.ts measured and Cloud list prices. Every assumption is a named
// constant below or an option; BENCHMARKS.md "The headline" prints the result next to clio_ingest's.
//
//   node dist/bench/e2e/run.js ... | tail -1 > e2e.json
//   node dist/bench/e2e/project-cost.js --from e2e.json [--slices 10000] [--width 8000] [--height 6000] [--cube 512] [--layout slab|tiles]
//
// --layout: how render hands slices to the pyramid tasks: "slab" (now: one object per slice, read by range,
// core/pipeline/tile-slab.ts) or "tiles" (before d0afe07: one object per slice and cube column).
//
// The model: a task's CPU time is a per-slice part that does not grow with the slice (AKAZE runs on a copy
// of at most align.maxSize 1024 px a side; matching; run state) plus a per-byte part (decode, warp, CLAHE,
// tile write and read, cube assembly, downsampling, JPEG, shard writes), both taken from the measured stages.
import { readFileSync } from "node:fs";
import { optionReader } from "../support.js";

/** Cloud list prices, us-central1, found 2026-12 (FINDINGS.md "Prices"; cloud.google.com/run/pricing, /storage/pricing, /pubsub/pricing, /firestore/pricing, /workflows/pricing). */
const PRICES = {
  date: "2026-12",
  runVcpuSecond: 0.000024, // request-based billing
  runGibSecond: 0.0000025,
  runMillionRequests: 0.4,
  gcsClassAPer1000: 0.005, // put, list
  gcsClassBPer1000: 0.0004, // get
  pubsubPerTiB: 40, // at least 1000 bytes billed per publish and per push
  firestoreWritePer100k: 0.09,
  firestoreReadPer100k: 0.03,
};

/** Named assumptions. */
const ASSUME = {
  /** terraform/variables.tf: align and emwrite services, 2 vCPU and 4 GiB per instance, concurrency 2. */
  vcpuPerInstance: 2,
  gibPerInstance: 4,
  /** Share of an instance's billed vCPU time that does work (request-based billing bills while a request runs; I/O waits count). */
  cpuUtilisation: 0.8,
  /** Cloud CPU per local CPU: GCS over HTTPS instead of the page cache, Pub/Sub and Firestore calls (issue 17 item 3's target; wip/plan measures it). */
  cloudOverhead: 1.3,
  /** Per barrier (5: features, align, render, pyramid, finalize): instance start + the wait for the last task. */
  coldStartS: 10,
  /** GCS object writes per second per bucket at the start, doubling every 20 min (cloud.google.com/storage/docs/request-rate): bounds the tile and shard puts. */
  bucketWritesPerS: 1000,
  /** ... and object reads per second, same ramp: bounds the pyramid tasks' tile reads. */
  bucketReadsPerS: 5000,
  bucketRampDoublingS: 1200,
  /** Messages per task (publish + push, each billed at least 1000 bytes) and Firestore operations per task. */
  pubsubBytesPerTask: 2000,
  firestoreWritesPerTask: 2,
  firestoreReadsPerTask: 2,
};

interface E2e {
  slices: number;
  size: number;
  inputMB: number;
  stages: Record<string, Record<string, number>>;
}

function main(argv: readonly string[]): void {
  const opt = optionReader(argv);
  const from = opt("from", "");
  if (!from) throw new Error("--from <e2e.json> is required: the JSON line of bench/e2e/run.js");
  const e2e = JSON.parse(readFileSync(from, "utf8").trim().split("\n").pop() ?? "") as E2e;
  const slices = Number(opt("slices", "10000"));
  const width = Number(opt("width", "8000"));
  const height = Number(opt("height", "6000"));
  const cube = Number(opt("cube", "512"));
  const layout = opt("layout", "slab");
  if (layout !== "slab" && layout !== "tiles") throw new Error(`--layout must be slab or tiles, got ${layout}`);

  const sum = (steps: Record<string, number> | undefined, only?: (step: string) => boolean) =>
    Object.entries(steps ?? {}).reduce((n, [k, v]) => n + (only && !only(k) ? 0 : v), 0);
  const perSliceSteps = (k: string) => k === "features" || k === "match + RANSAC" || k === "state write" || k === "state read";
  const measuredGB = e2e.inputMB / 1000;
  const perSlice: Record<string, number> = {};
  const perGB: Record<string, number> = {};
  for (const [stage, steps] of Object.entries(e2e.stages)) {
    const n = e2e.slices;
    perSlice[stage] = sum(steps, perSliceSteps) / n;
    perGB[stage] = sum(steps, (k) => !perSliceSteps(k)) / measuredGB;
  }
  const stackGB = (slices * width * height) / 1e9;
  const stageCpu = (stage: string) => ((perSlice[stage] ?? 0) * slices + (perGB[stage] ?? 0) * stackGB) * ASSUME.cloudOverhead;
  const stages = Object.keys(e2e.stages);
  const cpuS = stages.reduce((n, s) => n + stageCpu(s), 0);

  // Tasks and objects (core/pipeline/stages.ts; render-task.ts: one object per slice, or per slice and cube column before).
  const columns = Math.ceil(width / cube) * Math.ceil(height / cube);
  const cubes = columns * Math.ceil(slices / cube);
  const tasks = 3 * slices + cubes;
  const tilePuts = layout === "slab" ? slices : slices * columns;
  const tileGets = slices * columns;
  const classA = tilePuts + slices /* features */ + cubes * 8 /* shard files over the scales a cube owns, about */;
  const classB = slices * 2 /* slice read twice */ + slices * 2 /* features read by 2 pairs */ + tileGets /* one (ranged) tile read per slice and cube column */;

  const dollars = {
    cloudRun: (cpuS / ASSUME.cpuUtilisation) * (PRICES.runVcpuSecond + (ASSUME.gibPerInstance / ASSUME.vcpuPerInstance) * PRICES.runGibSecond) + (tasks / 1e6) * PRICES.runMillionRequests,
    gcsOps: (classA / 1000) * PRICES.gcsClassAPer1000 + (classB / 1000) * PRICES.gcsClassBPer1000,
    pubsub: ((tasks * ASSUME.pubsubBytesPerTask) / 2 ** 40) * PRICES.pubsubPerTiB,
    firestore: (tasks * ASSUME.firestoreWritesPerTask * PRICES.firestoreWritePer100k + tasks * ASSUME.firestoreReadsPerTask * PRICES.firestoreReadPer100k) / 1e5,
  };
  const total = Object.values(dollars).reduce((a, b) => a + b, 0);
  const TB = stackGB / 1000;
  console.log(`stack: ${slices} slices of ${width} x ${height} 8-bit = ${stackGB.toFixed(0)} GB; cube ${cube}: ${columns} tiles per slice (${layout}), ${cubes} cubes`);
  console.log(`measured: ${e2e.slices} x ${e2e.size}^2 (${e2e.inputMB.toFixed(0)} MB); per slice ${(sum(Object.fromEntries(Object.entries(perSlice))) * 1000).toFixed(0)} ms CPU, per GB ${sum(perGB).toFixed(1)} CPU-s`);
  console.log(`projected CPU: ${(cpuS / 3600).toFixed(1)} CPU-h (x${ASSUME.cloudOverhead} cloud overhead), ${(cpuS / 3600 / TB).toFixed(1)} CPU-h per TB`);
  console.log(`dollars: ${Object.entries(dollars).map(([k, v]) => `${k} $${v.toFixed(2)}`).join(", ")}; total $${total.toFixed(2)} = $${(total / TB).toFixed(2)} per TB`);
  const minutes: Record<string, number> = {};
  for (const n of [100, 1000]) {
    const vcpus = n * ASSUME.vcpuPerInstance * ASSUME.cpuUtilisation;
    const compute = cpuS / vcpus;
    // Writes possible by time T with the ramp: r0 * D / ln 2 * (2^(T / D) - 1); solved for T.
    const d = ASSUME.bucketRampDoublingS;
    const rampBound = (ops: number, rate: number) => d * Math.log2(1 + (ops * Math.LN2) / (rate * d));
    const writeBound = rampBound(classA, ASSUME.bucketWritesPerS);
    const readBound = rampBound(classB, ASSUME.bucketReadsPerS);
    const wall = Math.max(compute, writeBound, readBound) + 5 * ASSUME.coldStartS;
    minutes[n] = wall / 60;
    console.log(
      `${n} instances: ${(wall / 60).toFixed(1)} min for the stack = ${(wall / 60 / TB).toFixed(1)} min per TB (compute ${(compute / 60).toFixed(1)} min, ${classA.toFixed(0)} bucket writes from ${ASSUME.bucketWritesPerS}/s doubling every ${d / 60} min ${(writeBound / 60).toFixed(1)} min, ${classB.toFixed(0)} reads from ${ASSUME.bucketReadsPerS}/s ${(readBound / 60).toFixed(1)} min)`,
    );
  }
  console.log(JSON.stringify({ bench: "project-cost", prices: PRICES, assume: ASSUME, slices, width, height, cube, layout, stackGB, cpuHours: cpuS / 3600, dollars, dollarsPerTB: total / TB, minutesPerTB: Object.fromEntries(Object.entries(minutes).map(([k, v]) => [k, v / TB])) }));
}

main(process.argv.slice(2));
