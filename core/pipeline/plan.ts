// Stage 2 (a barrier step): pair transforms -> global transforms, substitutions for bad slices, the
// global bounding box, the pyramid plan, each volume's `info` and the cube list. Deterministic: a rerun
// computes the same plan from the same recorded pair results.
import { planTransforms, type PairResult } from "../align/index.js";
import { IDENTITY } from "../geometry/affine.js";
import { PermanentError } from "../errors.js";
import { infoBytes, listCubes, planPyramid } from "../precomputed/index.js";
import type { StepDeps } from "./deps.js";
import { keys } from "./keys.js";
import { writeJson, type RunManifest } from "./manifest.js";
import { volumeTargets, type RunPlan } from "./run-plan.js";
import { task } from "./tasks.js";

export async function planRun(deps: StepDeps, manifest: RunManifest): Promise<RunPlan> {
  const firstZ = manifest.slices[0].z;
  const n = manifest.slices.length;
  let transforms: Pick<RunPlan, "globals" | "sources" | "substitutions" | "box">;
  if (manifest.config.skipAlign) {
    transforms = {
      globals: manifest.slices.map(() => IDENTITY),
      sources: manifest.slices.map((s) => s.z),
      substitutions: [],
      box: { x0: 0, y0: 0, width: manifest.width, height: manifest.height },
    };
  } else {
    const done = async (stage: string) =>
      (await deps.runs.listTasks(manifest.run, stage)).filter((t) => t.status === "done").map((t) => [t.id, t.outcome as PairResult] as const);
    const recorded = new Map([...(await done("align")), ...(await done("bridge"))]);
    const pairs = manifest.slices.map((s, i) => {
      if (i === 0) return undefined;
      const pair = recorded.get(task.align(manifest.run, s.z).id);
      if (!pair) throw new PermanentError(`run ${manifest.run}: pair (${s.z - 1}, ${s.z}) has no recorded alignment`);
      return pair;
    });
    const skips = manifest.slices.map((s) => recorded.get(task.bridge(manifest.run, s.z - 2, s.z).id));
    const planned = planTransforms(pairs, manifest.width, manifest.height, skips);
    transforms = {
      globals: planned.globals,
      sources: planned.sources.map((i) => firstZ + i),
      substitutions: planned.substitutions.map((s) => ({ z: firstZ + s.index, source: firstZ + s.source, reason: s.reason })),
      box: planned.box,
    };
  }
  const c = manifest.config.cube;
  const pyramid = planPyramid({ size: [transforms.box.width, transforms.box.height, n], resolution: manifest.config.resolution, cube: [c, c, c] });
  const plan: RunPlan = { run: manifest.run, firstZ, ...transforms, pyramid, cubes: listCubes(pyramid) };
  await writeJson(deps.out, keys.plan, plan);
  for (const target of volumeTargets(manifest.config, deps.out)) {
    await target.put("info", infoBytes(pyramid, target));
  }
  return plan;
}
