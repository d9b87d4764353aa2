// Stage 6: the scales above the cube size (one reduce step), the report, then tmp/ is deleted.
import { assembleHandoff, cubeBoxAt, voxelBlock, writeReduce, type CubeHandoff } from "../precomputed/index.js";
import type { PairResult } from "../align/index.js";
import { mapLimit } from "../util/map-limit.js";
import { PermanentError } from "../errors.js";
import { writeReport } from "../report/write-report.js";
import { writeSummary } from "../report/write-summary.js";
import type { StepDeps } from "./deps.js";
import { keys } from "./keys.js";
import type { RunManifest } from "./manifest.js";
import { volumeTargets, type RunPlan, type Substitution } from "./run-plan.js";

export interface RunSummary {
  run: string;
  slices: number;
  volume: { size: [number, number, number]; resolution: [number, number, number]; box: RunPlan["box"] };
  scales: number;
  volumes: string[];
  objects: number;
  substitutions: Substitution[];
  flaggedPairs: Array<{ z: number; flags: string[] }>;
}

export async function finalizeRun(deps: StepDeps, manifest: RunManifest, plan: RunPlan, options: { keepTmp: boolean }): Promise<RunSummary> {
  const pyramid = plan.pyramid;
  if (pyramid.handoffScale !== undefined) {
    const scale = pyramid.handoffScale;
    const parts = await mapLimit(plan.cubes, 8, async (cube): Promise<CubeHandoff> => {
      const key = keys.cubeTop(cube);
      const data = await deps.out.get(key);
      if (!data) throw new PermanentError(`${key} is missing: pyramid task for cube ${cube.join(",")} did not finish`);
      const box = cubeBoxAt(pyramid, cube, scale);
      const size = [0, 1, 2].map((d) => box.end[d] - box.begin[d]) as [number, number, number];
      return { cube, scale, block: voxelBlock(data, box.begin, size) };
    });
    const whole = assembleHandoff(pyramid, parts);
    await writeReduce({ plan: pyramid, voxels: whole.data, targets: volumeTargets(manifest.config, deps.out) });
  }
  const pairs = await deps.runs.listTasks(manifest.run, "align");
  const results = new Map(pairs.map((t) => [Number(t.id.slice("align-".length)), t.outcome as PairResult]));
  await writeReport(deps, manifest, plan, results);
  if (!options.keepTmp) await deleteTmp(deps);
  const volumes = [keys.volume("jpeg"), ...(manifest.config.raw ? [keys.volume("raw")] : [])];
  const objects = (await Promise.all(volumes.map((v) => deps.out.list(v)))).reduce((n, list) => n + list.length, 0);
  const summary: RunSummary = {
    run: manifest.run,
    slices: manifest.slices.length,
    volume: { size: pyramid.size, resolution: pyramid.resolution, box: plan.box },
    scales: pyramid.scales.length,
    volumes,
    objects,
    substitutions: plan.substitutions,
    flaggedPairs: [...results].filter(([, r]) => r && r.flags.length > 0).map(([z, r]) => ({ z, flags: r.flags })),
  };
  await writeSummary(deps.out, summary, plan, manifest.config.align);
  return summary;
}

async function deleteTmp(deps: StepDeps): Promise<void> {
  const tmp = await deps.out.list(keys.tmpPrefix);
  await mapLimit(tmp, 32, (key) => deps.out.delete(key));
}
