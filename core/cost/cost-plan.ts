// The plan's figures: CPU and memory, operations, storage, dollars and wall time, from the stack's work
// (stack-work.ts), the operation counts (cloud-operations.ts), a calibration and a price table.
// Wall time at N instances is the critical path through the barriers: each fan-out stage takes a cold start,
// then ceil(tasks / slots) waves of its task time, then the wait until the workflow's next poll notices; the
// barrier steps (start, plan, finalize) run one at a time.
import type { Calibration } from "./calibration.js";
import { cloudOperations, type Operations, type RunShape } from "./cloud-operations.js";
import type { PriceTable } from "./prices.js";
import type { StackWork } from "./stack-work.js";
import { fanOutSpec, type FanOutStage } from "../pipeline/stages.js";

export interface Deployment {
  /** Instances per service (Terraform services.*.max_instances). */
  instances: number;
  /** Tasks one instance runs at once (concurrency, one vCPU each) and its memory (terraform/variables.tf). */
  concurrency: number;
  memoryGib: number;
  /** Seconds from a request to a ready new instance (image pull, Node, the addon). */
  coldStartSeconds: number;
  /** The workflow's first poll delay (ingest.yaml poll_seconds; doubles up to 60 s). */
  pollSeconds: number;
  /** Stored bytes per scale-0 voxel: JPEG at quality 90 on EM about 0.15, raw+gzip about 0.7 (scales above add 1/7). */
  jpegBytesPerVoxel: number;
  rawBytesPerVoxel: number;
}

export const DEFAULT_DEPLOYMENT: Deployment = {
  instances: 100,
  concurrency: 2,
  memoryGib: 4,
  coldStartSeconds: 5,
  pollSeconds: 5,
  jpegBytesPerVoxel: 0.15,
  rawBytesPerVoxel: 0.7,
};

export interface StagePlan {
  stage: FanOutStage;
  tasks: number;
  cpuSeconds: number;
  wallSeconds: number;
  polls: number;
}

export interface CostPlan {
  work: StackWork;
  stages: StagePlan[];
  /** Barrier steps together (enumerate, plan, finalize). */
  barrierCpuSeconds: number;
  /** All the work's CPU, and what a local run adds on top (calibration startupCpu). */
  cpuSeconds: number;
  localCpuSeconds: number;
  memoryGibSeconds: number;
  operations: Operations;
  outputBytes: number;
  wallSeconds: number;
  dollars: Record<"compute" | "requests" | "pubsub" | "firestore" | "gcs" | "workflows" | "storageMonth", number>;
  totalDollars: number;
  prices: PriceTable;
  calibration: Calibration;
  deployment: Deployment;
}

export function costPlan(work: StackWork, calibration: Calibration, prices: PriceTable, deployment: Deployment = DEFAULT_DEPLOYMENT): CostPlan {
  const slots = deployment.instances * deployment.concurrency;
  const stages = work.stages.map((s): StagePlan => {
    const cpuSeconds = calibration.stageCpu[s.stage] * s.units;
    if (s.tasks === 0) return { stage: s.stage, tasks: 0, cpuSeconds: 0, wallSeconds: 0, polls: 1 };
    const perTask = cpuSeconds / s.tasks;
    const busy = deployment.coldStartSeconds + Math.ceil(s.tasks / slots) * perTask;
    const { polls, waited } = pollsUntil(busy, deployment.pollSeconds);
    return { stage: s.stage, tasks: s.tasks, cpuSeconds, wallSeconds: waited, polls };
  });
  const barrierCpuSeconds = calibration.barrierCpuPerSlice * work.slices;
  const taskCpu = stages.reduce((sum, s) => sum + s.cpuSeconds, 0);
  const cpuSeconds = taskCpu + barrierCpuSeconds;
  const shape: RunShape = {
    polls: Object.fromEntries(stages.map((s) => [s.stage, s.polls])) as Record<FanOutStage, number>,
    instances: { align: deployment.instances, emwrite: deployment.instances },
  };
  const operations = cloudOperations(work, shape);
  const perSlot = deployment.memoryGib / deployment.concurrency;
  // Each service starts as many instances as its busiest stage uses (scale from zero), each billed its cold start.
  const started = (service: "align" | "emwrite") =>
    Math.max(0, ...work.stages.filter((s) => serviceOf(s.stage) === service).map((s) => Math.min(deployment.instances, Math.ceil(s.tasks / deployment.concurrency))));
  const coldCpu = (started("align") + started("emwrite")) * deployment.coldStartSeconds * deployment.concurrency;
  const memoryGibSeconds = cpuSeconds * perSlot + coldCpu * perSlot;
  const outputBytes = work.voxels * (8 / 7) * (deployment.jpegBytesPerVoxel + (work.volumes > 1 ? deployment.rawBytesPerVoxel : 0));
  const p = prices;
  const dollars = {
    compute: (cpuSeconds + coldCpu) * p.runVcpuSecond + memoryGibSeconds * p.runGibSecond,
    requests: ((operations.pubsubMessages + operations.stepCalls) / 1e6) * p.runMillionRequests,
    // Each publish batch and each push is one request, billed at least pubsubMinBytes.
    pubsub: ((2 * operations.pubsubMessages * Math.max(p.pubsubMinBytes, averageMessage(work))) / 2 ** 40) * p.pubsubTib,
    firestore: (operations.firestoreReads / 1e5) * p.firestoreReads100k + (operations.firestoreWrites / 1e5) * p.firestoreWrites100k,
    gcs: (operations.gcsClassA / 1e3) * p.gcsClassA1k + (operations.gcsClassB / 1e3) * p.gcsClassB1k,
    workflows: (operations.workflowSteps / 1e3) * p.workflowsSteps1k,
    storageMonth: (outputBytes / 1e9) * p.gcsGbMonth,
  };
  const enumerateSeconds = (work.slices / 16) * 0.03;
  const wallSeconds = enumerateSeconds + barrierCpuSeconds + stages.reduce((sum, s) => sum + s.wallSeconds, 0);
  return {
    work,
    stages,
    barrierCpuSeconds,
    cpuSeconds,
    localCpuSeconds: cpuSeconds + calibration.startupCpu,
    memoryGibSeconds,
    operations,
    outputBytes,
    wallSeconds,
    dollars,
    totalDollars: Object.values(dollars).reduce((s, v) => s + v, 0),
    prices,
    calibration,
    deployment,
  };
}

/** The workflow's polls until a stage that is busy for `seconds` is seen settled (ingest.yaml fan_out_and_wait). */
export function pollsUntil(seconds: number, pollSeconds: number): { polls: number; waited: number } {
  let waited = 0;
  let delay = pollSeconds;
  let polls = 1;
  while (waited < seconds) {
    waited += delay;
    delay = Math.min(delay * 2, 60);
    polls++;
  }
  return { polls, waited };
}

function serviceOf(stage: FanOutStage): string {
  return fanOutSpec(stage)?.service ?? "";
}

function averageMessage(work: StackWork): number {
  const tasks = work.stages.reduce((s, x) => s + x.tasks, 0);
  return tasks === 0 ? 0 : work.stages.reduce((s, x) => s + x.messageBytes, 0) / tasks;
}
