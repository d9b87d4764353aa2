// A pyramid task (stages.ts): one cube. Reads the cube's rendered tiles (one per slice), writes every scale
// the cube owns into shard files no other task writes, and hands its top scale to the reduce step through tmp/.
import { PermanentError } from "../errors.js";
import { cubeBoxAt, writeCube } from "../precomputed/index.js";
import type { OutputSizes } from "../run-details.js";
import { NO_PROBE } from "../util/probe.js";
import type { MetadataCache } from "./cache.js";
import type { TaskDeps } from "./deps.js";
import { keys } from "./keys.js";
import type { RunManifest } from "./manifest.js";
import { recordingStore } from "./output-ledger.js";
import { volumeTargets, type RunPlan } from "./run-plan.js";
import { zarrBlockWriters } from "../zarr/index.js";
import type { PyramidTask } from "./tasks.js";
import { tileSpan } from "./tile-slab.js";

/** `outputs`: the shard files (or chunks) the task wrote, with sizes: the run's ledger (output-ledger.ts). */
export async function pyramidTask(task: PyramidTask, deps: TaskDeps, cache: MetadataCache): Promise<{ voxels: number; outputs: OutputSizes }> {
  const manifest = await cache.read<RunManifest>(deps.out, task.run, keys.manifest, "the run was not enumerated");
  const plan = await cache.read<RunPlan>(deps.out, task.run, keys.plan, "the run was not planned");
  const box = cubeBoxAt(plan.pyramid, task.cube, 0);
  const [w, h, d] = [0, 1, 2].map((i) => box.end[i] - box.begin[i]);
  const probe = deps.probe ?? NO_PROBE;
  const voxels = new Uint8Array(w * h * d);
  for (let k = 0; k < d; k++) {
    const z = plan.firstZ + box.begin[2] + k;
    const key = keys.slab(z);
    const span = tileSpan(plan.box.width, plan.box.height, plan.pyramid.cube[0], plan.pyramid.cube[1], task.cube[0], task.cube[1]);
    if (span.width !== w || span.height !== h) throw new Error(`${key}: tile (${task.cube[0]}, ${task.cube[1]}) is ${span.width}x${span.height}, the cube ${w}x${h}`);
    const tile = await deps.out.getRange(key, span.offset, w * h);
    if (!tile) throw new PermanentError(`${key} is missing: slice ${z} was not rendered`);
    if (tile.length !== w * h) throw new PermanentError(`${key} is too short: ${tile.length} bytes of the ${w}x${h} tile at offset ${span.offset}`);
    probe.stepSync("cube-assembly", () => voxels.set(tile, k * w * h));
  }
  const volumes = recordingStore(deps.out);
  const handoff = await writeCube({
    plan: plan.pyramid,
    cube: task.cube,
    voxels,
    targets: volumeTargets(manifest.config, volumes.store),
    blockWriters: zarrBlockWriters(manifest.config.zarr, plan.pyramid, volumes.store),
    probe,
  });
  if (handoff) await deps.out.put(keys.cubeTop(task.cube), handoff.block.data);
  return { voxels: voxels.length, outputs: volumes.written };
}
