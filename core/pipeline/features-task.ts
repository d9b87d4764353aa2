// A features task (stages.ts): the features of one slice, found once and stored, so every pair that
// contains the slice (adjacent and bridge) reuses them.
import { encodeFeatures, extractFeatures } from "../align/index.js";
import { NO_PROBE } from "../util/probe.js";
import type { MetadataCache } from "./cache.js";
import type { TaskDeps } from "./deps.js";
import { keys } from "./keys.js";
import { loadSlice } from "./load-slice.js";
import type { RunManifest } from "./manifest.js";
import type { FeaturesTask } from "./tasks.js";

/** The outcome a features task records: `sliceVersion` is the tag of the bytes read (load-slice.ts). */
export interface FeaturesOutcome {
  keypoints: number;
  sliceVersion: string;
}

export async function featuresTask(task: FeaturesTask, deps: TaskDeps, cache: MetadataCache): Promise<FeaturesOutcome> {
  const manifest = await cache.read<RunManifest>(deps.out, task.run, keys.manifest, "the run was not enumerated");
  const { image, tag } = await loadSlice(deps, manifest, task.z);
  const features = await (deps.probe ?? NO_PROBE).step("features", () => extractFeatures(image, manifest.config.align));
  await deps.out.put(keys.features(task.z), encodeFeatures(features));
  return { keypoints: features.count, sliceVersion: tag };
}
