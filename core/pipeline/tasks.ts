// Task messages: plain JSON, ids deterministic within a run, so a redelivery is recognised by id.
import type { TaskMessage } from "../ports.js";

export const STAGES = ["features", "align", "bridge", "render", "pyramid"] as const;
export type FanOutStage = (typeof STAGES)[number];

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

export const task = {
  features: (run: string, z: number): FeaturesTask => ({ id: `features-${z}`, run, stage: "features", z }),
  align: (run: string, z: number): AlignTask => ({ id: `align-${z}`, run, stage: "align", z }),
  bridge: (run: string, from: number, z: number): BridgeTask => ({ id: `bridge-${from}-${z}`, run, stage: "bridge", from, z }),
  render: (run: string, z: number): RenderTask => ({ id: `render-${z}`, run, stage: "render", z }),
  pyramid: (run: string, cube: [number, number, number]): PyramidTask => ({
    id: `pyramid-${cube.join("_")}`,
    run,
    stage: "pyramid",
    cube,
  }),
};
