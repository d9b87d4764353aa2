// One decode per slice instead of two: the features task keeps the pixels it loaded (loadSlice's result:
// decoded, downsampled, windowed to 8 bits) in tmp/ as raw bytes, and the render task of any slice that shows
// them reads that copy instead of decoding the PNG or TIFF again (BENCHMARKS.md "Where the CPU time of a
// local run goes": decoding was a third of a run). The copy is a pure function of the slice and the config,
// written atomically under a key of the run (keys.decoded), so a redelivered features task rewrites the same
// bytes. A copy that is missing (a run with skipAlign has no features stage; tmp/ was deleted before a repair)
// or of the wrong size is not trusted: the slice is decoded from the source as before.
import type { Gray8 } from "../image/gray.js";
import type { TaskDeps } from "./deps.js";
import { keys } from "./keys.js";
import { loadSlice } from "./load-slice.js";
import type { RunManifest } from "./manifest.js";

/** The size of every slice as loadSlice returns it (load-slice.ts: box downsampling drops partial blocks). */
export function loadedSize(manifest: RunManifest): { width: number; height: number } {
  const f = manifest.config.downsample;
  return { width: Math.floor(manifest.sourceWidth / f), height: Math.floor(manifest.sourceHeight / f) };
}

export async function keepDecoded(deps: TaskDeps, z: number, image: Gray8): Promise<void> {
  await deps.out.put(keys.decoded(z), image.data);
}

/** Slice z as loadSlice returns it: from the features task's copy when there is a whole one. */
export async function loadDecoded(deps: TaskDeps, manifest: RunManifest, z: number): Promise<Gray8> {
  const { width, height } = loadedSize(manifest);
  const kept = await deps.out.get(keys.decoded(z));
  if (kept && kept.length === width * height) return { width, height, data: kept };
  return loadSlice(deps, manifest, z);
}
