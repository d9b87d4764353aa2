// The billed operations of one cloud run (the upload-free path: the workflow's start step enumerates), step
// by step as the code does them (cloud-runtime/steps.ts, task-delivery.ts, core/pipeline/*), with the
// adapters' mapping to billed operations: adapters/gcp/firestore-run-store.ts (a get is 1 read; create 1
// write; updateRun and recordTask are a transaction of 1 read + 1 write; a query is 1 read per document, at
// least 1; a count() aggregation 1 read per 1,000 entries, at least 1) and adapters/gcp/gcs-store.ts (put =
// one upload, Class A; list = one request per 1,000 names, Class A; get and getRange = Class B; delete free).
// test/cloud/scale.test.ts counts the same operations at the emulators and holds this file to them.
import type { StackWork } from "./stack-work.js";
import { stageWork } from "./stack-work.js";
import type { FanOutStage } from "../pipeline/stages.js";

export interface Operations {
  gcsClassA: number;
  gcsClassB: number;
  gcsDeletes: number;
  firestoreReads: number;
  /** The part of firestoreReads that the status polls' count() aggregations bill (timing decides it above 1,000 tasks). */
  firestoreCountReads: number;
  firestoreWrites: number;
  pubsubMessages: number;
  pubsubBytes: number;
  /** Workflow HTTP calls to the services' steps, status polls included. */
  stepCalls: number;
  /** Workflow steps executed (workflows-yaml/ingest.yaml: see workflowSteps). */
  workflowSteps: number;
}

export interface RunShape {
  /** Status polls per fan-out stage (timing decides them: wall-time.ts estimates them). */
  polls: Record<FanOutStage, number>;
  /** Service instances that ran tasks of the run (each reads the run record and its metadata once). */
  instances: { align: number; emwrite: number };
}

/** GCS lists answer at most 1,000 names per request. */
const LIST_PAGE = 1000;
/** report/: transforms.json, transforms.csv, quality.svg, summary.json, neuroglancer.json, index.html and
 * four reslice PNGs (core/report/*); and a provenance file beside each volume's info (below). */
export const REPORT_OBJECTS = 10;

const pages = (names: number) => Math.max(1, Math.ceil(names / LIST_PAGE));
const queryReads = (docs: number) => Math.max(1, docs);
const countReads = (entries: number) => Math.max(1, Math.ceil(entries / 1000));

export function cloudOperations(work: StackWork, shape: RunShape): Operations {
  const n = work.slices;
  const tiles = work.tilesPerSlice;
  const cubes = stageWork(work, "pyramid").tasks;
  const aligned = stageWork(work, "features").tasks > 0;
  const pairs = stageWork(work, "align").tasks;
  const handoff = work.pyramid.handoffScale !== undefined;
  // The workflow fans out every stage, also those a run skips (their fan-out publishes nothing).
  const fanOuts = work.stages.map((s) => s.stage);
  const tasks = work.stages.reduce((sum, s) => sum + s.tasks, 0);
  let a = 0;
  let b = 0;
  let del = 0;
  let r = 0;
  let w = 0;

  // start: ingest.json, the listing and one header read per slice, the manifest (absent, then written),
  // the slices' versions; the run created and its versions recorded (updateRun).
  b += 1 + n + 1;
  a += pages(n + 1) + 1 + pages(n + 1);
  w += 1;
  r += 1;
  w += 1;

  // Every step with a run: the step handler's getRun.
  const stepsWithRun = fanOuts.length + 2 + sum(shape.polls);
  r += stepsWithRun;
  // fanout: stepDeps' getRun, the manifest, the stage opened (updateRun + listTasks of the stage, empty on a
  // fresh run); bridge lists the align results; pyramid reads the plan.
  for (const stage of fanOuts) {
    r += 1 + 1 + queryReads(0);
    w += 1;
    b += 1;
    if (stage === "bridge" && aligned) r += queryReads(pairs);
    if (stage === "pyramid") b += 1;
  }
  // status polls: getRun + two count() aggregations (done and failed), billed as if the stage were done.
  let counting = 0;
  for (const stage of fanOuts) {
    const total = stageWork(work, stage).tasks;
    r += shape.polls[stage];
    counting += shape.polls[stage] * (countReads(total) + countReads(0));
  }
  r += counting;
  // Each service instance: the run record twice (routerFor, stepDeps), the manifest once; emwrite the plan.
  const instances = (aligned ? shape.instances.align : 0) + shape.instances.emwrite;
  r += 2 * instances;
  b += instances + shape.instances.emwrite;
  // Each task: getTask before, recordTask after.
  r += 2 * tasks;
  w += tasks;
  // features: the slice in, the features out; align: its own and each matched slice's feature file in
  // (stack-work.ts); render: the slice in, its tiles
  // out; pyramid: one tile per slice per cube column in, its shard files and its handoff out.
  b += stageWork(work, "features").tasks;
  a += stageWork(work, "features").tasks;
  b += work.alignFeatureReads;
  b += n;
  a += n; // one object per rendered slice, its tiles back to back (tile-slab.ts)
  b += n * tiles; // each pyramid task reads its tile of a slice by range
  a += work.cubeObjects + (handoff ? cubes : 0);
  // plan: stepDeps, updateRun planning, align (and bridge) results, the features results (the version each
  // features task read, kept in the plan for render), the plan and the info files written, updateRun with the box.
  r += 1 + 1 + (aligned ? queryReads(pairs) + queryReads(0) + queryReads(stageWork(work, "features").tasks) : 0) + 1;
  w += 2;
  b += 1;
  a += 1 + work.volumes;
  // finalize: stepDeps, getRun, updateRun finalizing, the plan, the handoffs, the reduce step's objects, the
  // report, a list of each volume, manifest and info read back, updateRun done, then tmp/ deleted by key.
  r += 1 + 1 + 1 + queryReads(pairs) + 1;
  w += 2;
  b += 1 + 1 + (handoff ? cubes : 0) + 1 + work.volumes + work.reportReads;
  a += work.reduceObjects + REPORT_OBJECTS + work.volumes + work.volumes * pages(Math.ceil((work.cubeObjects + work.reduceObjects) / work.volumes) + 1);
  del += stageWork(work, "features").tasks + n + (handoff ? cubes : 0) + 1;

  const pubsubMessages = tasks;
  const pubsubBytes = work.stages.reduce((sum, s) => sum + s.messageBytes, 0);
  const stepCalls = 1 + fanOuts.length + sum(shape.polls) + 2;
  return {
    gcsClassA: a,
    gcsClassB: b,
    gcsDeletes: del,
    firestoreReads: r,
    firestoreCountReads: counting,
    firestoreWrites: w,
    pubsubMessages,
    pubsubBytes,
    stepCalls,
    workflowSteps: workflowSteps(fanOuts.length, sum(shape.polls)),
  };
}

/**
 * Steps of workflows-yaml/ingest.yaml for a run started by {source}: main's own 18 (init, the start and its
 * service call, the phases, plan and finalize calls, done), then per fan-out stage 4 + 6 per poll
 * (the call, skip_published, fan_out and its service call, start_wait; each poll's 3 and check; sleep and
 * back_off between polls: 6 + 6p - 2), each service_step call being 3 (the call, call_service,
 * answer). Retries of a call (transient errors) add 2 each and are not counted.
 */
export function workflowSteps(fanOutStages: number, polls: number): number {
  return 18 + 4 * fanOutStages + 6 * polls;
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((s, v) => s + v, 0);
}
