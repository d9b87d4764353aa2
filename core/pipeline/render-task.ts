// A render task (stages.ts): one slice. Warps it (or the neighbour that stands in for it) into the global box, applies
// CLAHE, and writes it as tiles of one cube's xy extent, so each pyramid task reads one tile per slice.
import { clahe, warpToBox } from "../align/index.js";
import type { Gray8 } from "../image/gray.js";
import { NO_PROBE } from "../util/probe.js";
import type { MetadataCache } from "./cache.js";
import type { TaskDeps } from "./deps.js";
import { keys } from "./keys.js";
import { loadSlice } from "./load-slice.js";
import type { RunManifest } from "./manifest.js";
import type { RunPlan } from "./run-plan.js";
import type { RenderTask } from "./tasks.js";

export async function renderTask(task: RenderTask, deps: TaskDeps, cache: MetadataCache): Promise<{ source: number; tiles: number }> {
  const manifest = await cache.read<RunManifest>(deps.out, task.run, keys.manifest, "the run was not enumerated");
  const plan = await cache.read<RunPlan>(deps.out, task.run, keys.plan, "the run was not planned");
  const index = task.z - plan.firstZ;
  const source = plan.sources[index];
  const probe = deps.probe ?? NO_PROBE;
  const image = await loadSlice(deps, manifest, source);
  const warped = await probe.step("warp", () => warpToBox(image, plan.globals[source - plan.firstZ], plan.box));
  const { claheClip, claheTiles } = manifest.config;
  const aligned = claheClip > 0 ? await probe.step("clahe", () => clahe(warped, claheClip, [claheTiles, claheTiles])) : warped;
  const [cx, cy] = plan.pyramid.cube;
  let tiles = 0;
  for (let ty = 0; ty * cy < aligned.height; ty++) {
    for (let tx = 0; tx * cx < aligned.width; tx++) {
      const tile = probe.stepSync("tile-cut", () => cutTile(aligned, tx * cx, ty * cy, cx, cy));
      await deps.out.put(keys.tile(task.z, tx, ty), tile);
      tiles++;
    }
  }
  return { source, tiles };
}

/** The [x0, x0+w) x [y0, y0+h) window of an image, clipped to it, rows concatenated. */
export function cutTile(image: Gray8, x0: number, y0: number, w: number, h: number): Uint8Array {
  const tw = Math.min(w, image.width - x0);
  const th = Math.min(h, image.height - y0);
  const out = new Uint8Array(tw * th);
  for (let y = 0; y < th; y++) {
    const start = (y0 + y) * image.width + x0;
    out.set(image.data.subarray(start, start + tw), y * tw);
  }
  return out;
}
