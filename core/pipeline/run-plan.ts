// The run plan: written once by the plan step (plan.ts) before render and pyramid fan out.
import type { Affine } from "../geometry/affine.js";
import type { IngestConfig } from "../config.js";
import type { PixelBox } from "../geometry/pixel-box.js";
import type { ObjectStore } from "../ports.js";
import type { PyramidPlan, VolumeTarget } from "../precomputed/index.js";
import type { Substitution } from "../run-details.js";
import { keys } from "./keys.js";

/** One failed pair (z numbers), as evidence against a bad slice. */
export interface FailedPair {
  pair: [number, number];
  stage: "align" | "bridge";
  flags: string[];
  matches: number;
  inliers: number;
}

/** Why a slice was judged bad: every pair it is part of, each failed (align/plan-transforms.ts). */
export interface BadSliceEvidence {
  z: number;
  failedPairs: FailedPair[];
}

export interface RunPlan {
  run: string;
  firstZ: number;
  box: PixelBox;
  /** Global transform per slice, index z - firstZ: slice pixel -> reference frame. */
  globals: Affine[];
  /** Slice whose image is rendered at each z (itself unless substituted), index z - firstZ. */
  sources: number[];
  substitutions: Substitution[];
  /** Per substituted slice, in the order of `substitutions`; kept out of the run record (it can be long). */
  evidence: BadSliceEvidence[];
  pyramid: PyramidPlan;
  cubes: Array<[number, number, number]>;
  /**
   * The version tag (load-slice.ts) of the bytes each slice's features were found from, index z - firstZ
   * (null where its features task recorded none); render reads the same bytes or stops. Absent when the run
   * skips alignment (each slice is read once).
   */
  sliceVersions?: Array<string | null>;
}

/** The volumes a run writes: jpeg always, the lossless one (png chunks, or raw chunks gzipped) when asked. */
export function volumeTargets(config: IngestConfig, out: ObjectStore): VolumeTarget[] {
  const targets: VolumeTarget[] = [
    { encoding: "jpeg", jpegQuality: config.jpegQuality, put: (key, bytes) => out.put(`${keys.volume("jpeg")}${key}`, bytes) },
  ];
  if (config.raw) {
    const put: VolumeTarget["put"] = (key, bytes) => out.put(`${keys.volume("raw")}${key}`, bytes);
    targets.push(config.rawEncoding === "png" ? { encoding: "png", put } : { encoding: "raw", dataEncoding: "gzip", put });
  }
  return targets;
}
