// The pipeline, once, as data: every stage in the order it runs, what one of its tasks is, which service runs
// it and which topic feeds it, what it waits for, and how its tasks are listed. Everything that sequences or
// routes stages reads this table: the local driver (sequence.ts), the steps both drivers share
// (stage-steps.ts), the cloud's barrier steps (cloud-steps.ts and the services' step routes), the services'
// stage lists (services/*/server.ts), the stage -> topic map (adapters/gcp/pubsub-queue.ts), and the Terraform
// wiring test, which holds Terraform and workflows-yaml/ingest.yaml to it.
//
// Adding a fan-out stage: one entry here, its task type and id in tasks.ts, its handler in task-router.ts (a
// record keyed by stage name, so a stage without a handler does not compile), which of its tasks a run has
// in task-check.ts, and its step in workflows-yaml/ingest.yaml (the wiring test says where).
import type { RunStatus, RunStore } from "../ports.js";
import { bridgeTasks } from "./bridge-tasks.js";
import type { RunManifest } from "./manifest.js";
import type { RunPlan } from "./run-plan.js";
import { task, type PipelineTask } from "./tasks.js";

/** The services that run the pipeline's tasks and steps. Each is fed by one task topic, named for it. */
export const SERVICES = ["align", "emwrite"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The names of the fan-out stages (one per task type of tasks.ts). */
export type FanOutStage = PipelineTask["stage"];
export type BarrierStep = "plan" | "finalize";
export type StepName = FanOutStage | BarrierStep;

/** What a stage's task list is computed from. */
export interface StageInput {
  manifest: RunManifest;
  runs: Pick<RunStore, "listTasks">;
  /** The run's plan; only stages after the plan step ask for it. */
  plan: () => Promise<RunPlan>;
}

interface Step {
  /** The service whose step routes run it (and, for a fan-out stage, whose topic its tasks go to). */
  service: ServiceName;
  /** The run's status while it runs. */
  status: RunStatus;
  /** The steps whose outcome it reads; each comes before it in PIPELINE. */
  after: readonly StepName[];
}

/** A stage of independent tasks, published at once, then waited on as a barrier. */
export interface FanOutSpec extends Step {
  kind: "fan-out";
  name: FanOutStage;
  /** What one task is, in words (docs and errors). */
  oneTaskPer: string;
  /** The task topic that feeds it (Terraform: google_pubsub_topic.tasks[topic]), pushed to its service. */
  topic: ServiceName;
  /** Part of alignment: a run with skipAlign has none of its tasks. */
  aligns: boolean;
  /** Every task of the stage for this run, in publish order (deterministic: a rerun lists the same). */
  tasks(input: StageInput): Promise<PipelineTask[]>;
}

/** One step that reads what the stages before it recorded and writes what the stages after it read. */
export interface BarrierSpec extends Step {
  kind: "barrier";
  name: BarrierStep;
}

export type StepSpec = FanOutSpec | BarrierSpec;

const zs = (manifest: RunManifest) => manifest.slices.map((s) => s.z);

export const PIPELINE: readonly StepSpec[] = [
  {
    kind: "fan-out",
    name: "features",
    oneTaskPer: "slice: the features of a downsampled copy, found once",
    service: "align",
    topic: "align",
    status: "aligning",
    after: [],
    aligns: true,
    tasks: async ({ manifest }) => zs(manifest).map((z) => task.features(manifest.run, z)),
  },
  {
    kind: "fan-out",
    name: "align",
    oneTaskPer: "slice z: its matches with z - 1 .. z - nAdjacent (RANSAC, pair transform, quality, inlier sample)",
    service: "align",
    topic: "align",
    status: "aligning",
    after: ["features"],
    aligns: true,
    tasks: async ({ manifest }) => zs(manifest).slice(1).map((z) => task.align(manifest.run, z)),
  },
  {
    kind: "fan-out",
    name: "bridge",
    oneTaskPer: "pair that spans a failed or weak adjacent pair, nAdjacent + 1 to maxConsecutiveBad + 1 apart (usually none)",
    service: "align",
    topic: "align",
    status: "aligning",
    after: ["align"],
    aligns: true,
    tasks: ({ manifest, runs }) => bridgeTasks(runs, manifest),
  },
  { kind: "barrier", name: "plan", service: "emwrite", status: "planning", after: ["bridge"] },
  {
    kind: "fan-out",
    name: "render",
    oneTaskPer: "slice: warped into the global box, CLAHE, written as tiles",
    service: "emwrite",
    topic: "emwrite",
    status: "rendering",
    after: ["plan"],
    aligns: false,
    tasks: async ({ manifest }) => zs(manifest).map((z) => task.render(manifest.run, z)),
  },
  {
    kind: "fan-out",
    name: "pyramid",
    oneTaskPer: "cube: every scale the cube owns, in shard files no other task writes",
    service: "emwrite",
    topic: "emwrite",
    status: "pyramid",
    after: ["render"],
    aligns: false,
    tasks: async ({ manifest, plan }) => (await plan()).cubes.map((cube) => task.pyramid(manifest.run, cube)),
  },
  { kind: "barrier", name: "finalize", service: "emwrite", status: "finalizing", after: ["pyramid"] },
];

export const FAN_OUT: readonly FanOutSpec[] = PIPELINE.filter((s): s is FanOutSpec => s.kind === "fan-out");

/** The fan-out stages' names, in the order they run. */
export const STAGES: readonly FanOutStage[] = FAN_OUT.map((s) => s.name);

/** The fan-out stage of that name, or undefined. */
export function fanOutSpec(name: string): FanOutSpec | undefined {
  return FAN_OUT.find((s) => s.name === name);
}

/** The fan-out stages a service runs. */
export function stagesRunBy(service: ServiceName): FanOutStage[] {
  return FAN_OUT.filter((s) => s.service === service).map((s) => s.name);
}

/** Whether the run has the stage at all (alignment stages are left out with skipAlign). */
export function runHasStage(spec: FanOutSpec, manifest: RunManifest): boolean {
  return !(spec.aligns && manifest.config.skipAlign);
}
