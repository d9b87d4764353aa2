// The temporary objects of a run (DESIGN.md "Bucket layout": `<run>/tmp/`), named from its manifest and plan
// alone, so the run deletes exactly what it wrote there and never lists a prefix to find them: a foreign
// object under tmp/ stays. Invariant: tmp/plan.json is deleted last, so while it exists the rest may still
// be there, and once it is gone the run's tmp/ is clean.
import type { ObjectStore } from "../ports.js";
import { mapLimit } from "../util/map-limit.js";
import { keys } from "./keys.js";
import type { RunManifest } from "./manifest.js";
import type { RunPlan } from "./run-plan.js";

/** Deletes in flight at once. */
const DELETE_CONCURRENCY = 32;

/** Every tmp/ key the tasks of the run write, except the plan: features, rendered tiles, cube handoffs. */
export function taskTmpKeys(manifest: RunManifest, plan: RunPlan): string[] {
  const zs = manifest.slices.map((s) => s.z);
  const features = manifest.config.skipAlign ? [] : zs.map((z) => keys.features(z));
  // render-task.ts writes one object of tiles per slice (tile-slab.ts).
  const tiles = zs.map((z) => keys.slab(z));
  const tops = plan.pyramid.handoffScale === undefined ? [] : plan.cubes.map((cube) => keys.cubeTop(cube));
  return [...features, ...tiles, ...tops];
}

/** Deletes the run's tmp/ objects, the plan last. Idempotent: deleting a missing key is not an error. */
export async function deleteRunTmp(out: ObjectStore, manifest: RunManifest, plan: RunPlan): Promise<void> {
  await mapLimit(taskTmpKeys(manifest, plan), DELETE_CONCURRENCY, (key) => out.delete(key));
  await out.delete(keys.plan);
}

/** Finishes a cleanup that a kill interrupted: nothing to do once the plan is gone. */
export async function deleteLeftoverTmp(out: ObjectStore, manifest: RunManifest): Promise<void> {
  const bytes = await out.get(keys.plan);
  if (!bytes) return;
  await deleteRunTmp(out, manifest, JSON.parse(new TextDecoder().decode(bytes)) as RunPlan);
}
