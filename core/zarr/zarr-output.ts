// The OME-Zarr copy of a run (config.zarr): the shards come from the same blocks as the precomputed
// scales, in the same tasks (a cube's scales in its pyramid task, the rest in the reduce step), and the
// metadata is written last, by the finalize step, from the plan and the precomputed info's placement. So a
// reader that finds ng/zarr/zarr.json finds every shard beside it. Everything goes through the caller's
// store (a recording store), so it lands in the run's output ledger like the precomputed objects.
import type { ObjectStore } from "../ports.js";
import type { BlockWriter, PyramidPlan } from "../precomputed/index.js";
import { writeZarrBlock } from "./shard-writer.js";
import { levelPath, ZARR_JSON, ZARR_PREFIX } from "./zarr-layout.js";
import { arrayMetadata, groupMetadata, jsonBytes, type ScalePlacement } from "./zarr-metadata.js";

/** The block writers of the pyramid task and the reduce step: none unless the run writes OME-Zarr. */
export function zarrBlockWriters(enabled: boolean, plan: PyramidPlan, out: ObjectStore): BlockWriter[] {
  if (!enabled) return [];
  return [(s, block) => writeZarrBlock(plan, s, block, (key, bytes) => out.put(`${ZARR_PREFIX}${key}`, bytes))];
}

/** Every metadata key of the group, relative to the run's output root: the group's, then each array's. */
export function zarrMetadataKeys(plan: PyramidPlan): string[] {
  return [`${ZARR_PREFIX}${ZARR_JSON}`, ...plan.scales.map((_, s) => `${ZARR_PREFIX}${levelPath(s)}/${ZARR_JSON}`)];
}

/** Writes each array's zarr.json, then the group's (the document a reader opens first). */
export async function writeZarrMetadata(out: ObjectStore, plan: PyramidPlan, placement: readonly ScalePlacement[], name: string): Promise<void> {
  const group = jsonBytes(groupMetadata(plan, placement, name));
  const [groupKey, ...arrayKeys] = zarrMetadataKeys(plan);
  for (const [s, key] of arrayKeys.entries()) {
    await out.put(key, jsonBytes(arrayMetadata(plan, s)), { contentType: "application/json" });
  }
  await out.put(groupKey, group, { contentType: "application/json" });
}
