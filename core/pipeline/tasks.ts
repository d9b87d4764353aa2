// Task messages: plain JSON, ids deterministic within a run, so a redelivery is recognised by id. The id
// format is defined here once: `<stage>-<z>` for the slice stages, `bridge-<from>-<z>` for a bridge pair,
// `pyramid-<x>_<y>_<z>` for a cube, every number in canonical decimal (no sign, no leading zero). `parseTaskId` is the one way back from an id to
// what it names; `canonicalTask` checks that a message is exactly the task its id names.
import { PermanentError } from "../errors.js";
import type { TaskMessage } from "../ports.js";

/** The stages whose tasks are one per slice number z. */
export const SLICE_STAGES = ["features", "align", "render"] as const;
export type SliceStage = (typeof SLICE_STAGES)[number];

export interface FeaturesTask extends TaskMessage {
  stage: "features";
  z: number;
}

/** Aligns slice z to slice z - 1. */
export interface AlignTask extends TaskMessage {
  stage: "align";
  z: number;
}

/** Aligns slice z to slice `from` (< z - 1), asked for only around a failed pair (core/align/bridge-pairs.ts). */
export interface BridgeTask extends TaskMessage {
  stage: "bridge";
  from: number;
  z: number;
}

export interface RenderTask extends TaskMessage {
  stage: "render";
  z: number;
}

export interface PyramidTask extends TaskMessage {
  stage: "pyramid";
  cube: [number, number, number];
}

export type PipelineTask = FeaturesTask | AlignTask | BridgeTask | RenderTask | PyramidTask;

/** What a task id names. */
export type TaskKey =
  | { stage: SliceStage; z: number }
  | { stage: "bridge"; from: number; z: number }
  | { stage: "pyramid"; cube: [number, number, number] };

/**
 * A message that is not a task of the run it names: an id that does not parse or does not match its payload,
 * a slice or cube outside the run, a stage that does not exist or is not run where it was sent. It is refused
 * (4xx) and never recorded, so it cannot count as one of the run's failures.
 */
export class ForeignTaskError extends PermanentError {}

export function taskId(key: TaskKey): string {
  if (key.stage === "pyramid") return `pyramid-${key.cube.join("_")}`;
  if (key.stage === "bridge") return `bridge-${key.from}-${key.z}`;
  return `${key.stage}-${key.z}`;
}

const NUMBER = "(0|[1-9][0-9]{0,15})";
const SLICE_ID = new RegExp(`^(${SLICE_STAGES.join("|")})-${NUMBER}$`);
const BRIDGE_ID = new RegExp(`^bridge-${NUMBER}-${NUMBER}$`);
const CUBE_ID = new RegExp(`^pyramid-${NUMBER}_${NUMBER}_${NUMBER}$`);
const ID_FORMATS = [...SLICE_STAGES.map((s) => `${s}-<z>`), "bridge-<from>-<z>", "pyramid-<x>_<y>_<z>"].join(", ");

/** The key an id names, or undefined when it is not a pipeline task id. `taskId(parseTaskId(id)) === id`. */
export function parseTaskId(id: string): TaskKey | undefined {
  const slice = SLICE_ID.exec(id);
  if (slice) {
    const z = Number(slice[2]);
    return Number.isSafeInteger(z) ? { stage: slice[1] as SliceStage, z } : undefined;
  }
  const bridge = BRIDGE_ID.exec(id);
  if (bridge) {
    const [from, z] = [Number(bridge[1]), Number(bridge[2])];
    return Number.isSafeInteger(from) && Number.isSafeInteger(z) ? { stage: "bridge", from, z } : undefined;
  }
  const cube = CUBE_ID.exec(id);
  if (cube) {
    const xyz = [Number(cube[1]), Number(cube[2]), Number(cube[3])];
    return xyz.every(Number.isSafeInteger) ? { stage: "pyramid", cube: xyz as [number, number, number] } : undefined;
  }
  return undefined;
}

/** The slice number z of a slice stage's task id (features-z, align-z, render-z); throws on any other id. */
export function sliceOf(id: string): number {
  const key = parseTaskId(id);
  if (!key || !("z" in key) || key.stage === "bridge") throw new RangeError(`"${id}" is not the id of a slice task`);
  return key.z;
}

export function taskFor(run: string, key: TaskKey): PipelineTask {
  const id = taskId(key);
  switch (key.stage) {
    case "pyramid":
      return { id, run, stage: "pyramid", cube: [...key.cube] };
    case "bridge":
      return { id, run, stage: "bridge", from: key.from, z: key.z };
    default:
      return { id, run, stage: key.stage, z: key.z } as PipelineTask;
  }
}

export const task = {
  features: (run: string, z: number): FeaturesTask => taskFor(run, { stage: "features", z }) as FeaturesTask,
  align: (run: string, z: number): AlignTask => taskFor(run, { stage: "align", z }) as AlignTask,
  bridge: (run: string, from: number, z: number): BridgeTask => taskFor(run, { stage: "bridge", from, z }) as BridgeTask,
  render: (run: string, z: number): RenderTask => taskFor(run, { stage: "render", z }) as RenderTask,
  pyramid: (run: string, cube: [number, number, number]): PyramidTask => taskFor(run, { stage: "pyramid", cube }) as PyramidTask,
};

/**
 * The message as the task its id names, or a ForeignTaskError naming what differs: the id must parse, and
 * the message must hold exactly the fields `taskFor` writes, with the same values (`{"id": "features-1",
 * "z": 2}` is refused, not run as slice 2 and recorded as features-1).
 */
export function canonicalTask(message: TaskMessage): PipelineTask {
  const key = parseTaskId(message.id);
  if (!key) throw new ForeignTaskError(`task "${message.id}": not a task id (${ID_FORMATS})`);
  const expected = taskFor(message.run, key);
  if (message.stage !== expected.stage) throw new ForeignTaskError(`task ${message.id}: "stage" is ${JSON.stringify(message.stage)}, the id says "${expected.stage}"`);
  const fields = Object.keys(message);
  const extra = fields.filter((f) => !(f in expected));
  if (extra.length > 0) throw new ForeignTaskError(`task ${message.id}: unexpected field(s) ${extra.map((f) => `"${f}"`).join(", ")}`);
  for (const [field, value] of Object.entries(expected)) {
    if (JSON.stringify(message[field]) !== JSON.stringify(value)) {
      throw new ForeignTaskError(`task ${message.id}: "${field}" is ${shown(message[field])}, the id says ${JSON.stringify(value)}`);
    }
  }
  return expected;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
