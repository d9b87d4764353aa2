// A render task (stages.ts): one slice. Warps it (or the neighbour that stands in for it) into the global box, applies
// CLAHE, and writes it as one object of tiles of one cube's xy extent (tile-slab.ts), so each pyramid task reads
// one tile per slice by range.
import { clahe, warpToBox } from "../align/index.js";
import { NO_PROBE } from "../util/probe.js";
import type { MetadataCache } from "./cache.js";
import type { TaskDeps } from "./deps.js";
import { keys } from "./keys.js";
import { loadSlice } from "./load-slice.js";
import type { RunManifest } from "./manifest.js";
import type { RunPlan } from "./run-plan.js";
import type { RenderTask } from "./tasks.js";
import { cutSlab, tileGrid } from "./tile-slab.js";

export async function renderTask(task: RenderTask, deps: TaskDeps, cache: MetadataCache): Promise<{ source: number; tiles: number }> {
  const manifest = await cache.read<RunManifest>(deps.out, task.run, keys.manifest, "the run was not enumerated");
  const plan = await cache.read<RunPlan>(deps.out, task.run, keys.plan, "the run was not planned");
  const index = task.z - plan.firstZ;
  const source = plan.sources[index];
  const probe = deps.probe ?? NO_PROBE;
  const { image } = await loadSlice(deps, manifest, source, plan.sliceVersions?.[source - plan.firstZ]);
  const warped = await probe.step("warp", () => warpToBox(image, plan.globals[source - plan.firstZ], plan.box));
  const { claheClip, claheTiles } = manifest.config;
  const aligned = claheClip > 0 ? await probe.step("clahe", () => clahe(warped, claheClip, [claheTiles, claheTiles])) : warped;
  const [cx, cy] = plan.pyramid.cube;
  const slab = cutSlab(aligned, cx, cy, (copy) => probe.stepSync("tile-cut", copy));
  await deps.out.put(keys.slab(task.z), slab);
  const { across, down } = tileGrid(aligned.width, aligned.height, cx, cy);
  return { source, tiles: across * down };
}
