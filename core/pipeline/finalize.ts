// Stage 6: the scales above the cube size (one reduce step) and the report; then the run is marked done,
// together with the list of what it wrote (output-ledger.ts), and only then is tmp/ deleted. Every prefix
// of these writes leads a rerun (or a retried workflow step) to the same final bytes: before the done mark
// everything finalize reads is still in tmp/, and after it a rerun only finishes deleting tmp/.
import { apply, corners } from "../geometry/affine.js";
import { assembleHandoff, cubeBoxAt, voxelBlock, writeReduce, type CubeHandoff } from "../precomputed/index.js";
import { inverseMap, type PairResult } from "../align/index.js";
import { mapLimit } from "../util/map-limit.js";
import { PermanentError } from "../errors.js";
import { qualityPlotSvg } from "../report/quality-plot.js";
import type { StepDeps } from "./deps.js";
import { keys } from "./keys.js";
import { writeJson, type RunManifest } from "./manifest.js";
import { FINALIZE_OUTPUTS, recordingStore, REDUCE_OUTPUTS, type OutputSizes } from "./output-ledger.js";
import { REPAIR } from "./repair.js";
import { volumeTargets, type RunPlan, type Substitution } from "./run-plan.js";
import { deleteRunTmp } from "./tmp-layout.js";

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

export interface Finalized {
  summary: RunSummary;
  /** What the reduce step wrote; undefined when it was skipped. */
  reduceOutputs?: OutputSizes;
  /** The report, the volumes' info files and the manifest. */
  finalizeOutputs: OutputSizes;
}

/**
 * The reduce step (unless `reduce` is false: a repair whose reduce outputs are intact), then the report.
 * Writes only; deletes nothing; idempotent (every object is a pure function of the manifest, plan and
 * recorded task outcomes).
 */
export async function finalizeRun(deps: StepDeps, manifest: RunManifest, plan: RunPlan, options: { reduce?: boolean } = {}): Promise<Finalized> {
  const pyramid = plan.pyramid;
  let reduceOutputs: OutputSizes | undefined;
  if (pyramid.handoffScale !== undefined && options.reduce !== false) {
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
    const recorded = recordingStore(deps.out);
    await writeReduce({ plan: pyramid, voxels: whole.data, targets: volumeTargets(manifest.config, recorded.store) });
    reduceOutputs = recorded.written;
  } else if (pyramid.handoffScale === undefined) {
    reduceOutputs = {};
  }
  const report = recordingStore(deps.out);
  const reportDeps: StepDeps = { ...deps, out: report.store };
  const pairs = await deps.runs.listTasks(manifest.run, "align");
  const results = new Map(pairs.map((t) => [Number(t.id.slice("align-".length)), t.outcome as PairResult]));
  await writeReport(reportDeps, manifest, plan, results);
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
  await writeJson(reportDeps.out, keys.report("summary.json"), summary);
  // Written before finalize by the enumerate and plan steps; recorded here so a rerun checks them too.
  const finalizeOutputs: OutputSizes = { ...report.written };
  for (const key of [keys.manifest, ...volumes.map((v) => `${v}info`)]) {
    const bytes = await deps.out.get(key);
    if (!bytes) throw new PermanentError(`${key} is missing: it was written before finalize and something removed it`);
    finalizeOutputs[key] = bytes.byteLength;
  }
  return { summary, reduceOutputs, finalizeOutputs };
}

/**
 * finalizeRun, then the run marked done with its outputs in one update, then tmp/ deleted (unless kept).
 * The same for the local sequence and the cloud's finalize step.
 */
export async function finishRun(
  deps: StepDeps,
  manifest: RunManifest,
  plan: RunPlan,
  options: { keepTmp: boolean; reduce?: boolean; now: () => Date },
): Promise<RunSummary> {
  const { summary, reduceOutputs, finalizeOutputs } = await finalizeRun(deps, manifest, plan, { reduce: options.reduce });
  const outputs = { [FINALIZE_OUTPUTS]: finalizeOutputs, ...(reduceOutputs ? { [REDUCE_OUTPUTS]: reduceOutputs } : {}) };
  await deps.runs.updateRun(manifest.run, { status: "done", details: { summary, ...outputs, [REPAIR]: null, finishedAt: options.now().toISOString() } });
  if (!options.keepTmp) await deleteRunTmp(deps.out, manifest, plan);
  return summary;
}

async function writeReport(deps: StepDeps, manifest: RunManifest, plan: RunPlan, pairs: Map<number, PairResult>): Promise<void> {
  const rows = manifest.slices.map((slice, i) => {
    const pair = pairs.get(slice.z);
    const global = plan.globals[i];
    return {
      z: slice.z,
      key: slice.key,
      source: plan.sources[i],
      global,
      /** The output -> source pixel map the render step used (cv.warpAffine with WARP_INVERSE_MAP). */
      warp: inverseMap(global, plan.box),
      corners: corners(manifest.width, manifest.height).map(([x, y]) => apply(global, x, y)),
      pair: pair
        ? { model: pair.model, matrix: pair.matrix, ok: pair.ok, inliers: pair.inliers, inlierRatio: pair.inlierRatio, residualPx: pair.residualPx, flags: pair.flags }
        : null,
    };
  });
  await writeJson(deps.out, keys.report("transforms.json"), { run: manifest.run, box: plan.box, slices: rows });
  const header = "z,key,source,a,b,c,d,e,f,model,inliers,inlier_ratio,residual_px,flags";
  const lines = rows.map((r) =>
    [
      r.z,
      r.key,
      r.source,
      ...r.global.map((v) => v.toFixed(6)),
      r.pair?.model ?? "",
      r.pair?.inliers ?? "",
      r.pair ? r.pair.inlierRatio.toFixed(4) : "",
      r.pair ? r.pair.residualPx.toFixed(4) : "",
      r.pair?.flags.join(" ") ?? "",
    ].join(","),
  );
  await deps.out.put(keys.report("transforms.csv"), new TextEncoder().encode(`${header}\n${lines.join("\n")}\n`), { contentType: "text/csv" });
  const quality = rows.flatMap((r) =>
    r.pair ? [{ z: r.z, inliers: r.pair.inliers, residualPx: r.pair.residualPx, flagged: !r.pair.ok || r.pair.flags.length > 0 }] : [],
  );
  const svg = qualityPlotSvg(`${manifest.run}: alignment quality per pair (z-1, z)`, quality);
  await deps.out.put(keys.report("quality.svg"), new TextEncoder().encode(svg), { contentType: "image/svg+xml" });
}
