// The finalize step (stages.ts): the scales above the cube size (one reduce step) and the report; then the
// run is marked done, together with the list of what it wrote (output-ledger.ts), and only then is tmp/
// deleted. Every prefix of these writes leads a rerun (or a retried workflow step) to the same final bytes:
// before the done mark everything finalize reads is still in tmp/, and after it a rerun only finishes
// deleting tmp/.
import { assembleHandoff, cubeBoxAt, voxelBlock, writeReduce, type CubeHandoff } from "../precomputed/index.js";
import type { PairResult } from "../align/index.js";
import { mapLimit } from "../util/map-limit.js";
import { PermanentError } from "../errors.js";
import { writeReport } from "../report/write-report.js";
import { writeSummary } from "../report/write-summary.js";
import { recordedSummary } from "./recorded-summary.js";
import type { StepDeps } from "./deps.js";
import { keys } from "./keys.js";
import type { RunManifest } from "./manifest.js";
import type { OutputSizes, RunSummary } from "../run-details.js";
import { recordingStore } from "./output-ledger.js";
import { volumeTargets, type RunPlan } from "./run-plan.js";
import { sliceOf } from "./tasks.js";
import { deleteRunTmp } from "./tmp-layout.js";
import { writeZarrMetadata, zarrBlockWriters, ZARR_PREFIX, type ScalePlacement } from "../zarr/index.js";

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
    await writeReduce({
      plan: pyramid,
      voxels: whole.data,
      targets: volumeTargets(manifest.config, recorded.store),
      blockWriters: zarrBlockWriters(manifest.config.zarr, pyramid, recorded.store),
    });
    reduceOutputs = recorded.written;
  } else if (pyramid.handoffScale === undefined) {
    reduceOutputs = {};
  }
  const report = recordingStore(deps.out);
  const reportDeps: StepDeps = { ...deps, out: report.store };
  const pairs = await deps.runs.listTasks(manifest.run, "align");
  const results = new Map(pairs.map((t) => [sliceOf(t.id), t.outcome as PairResult]));
  const precomputed = [keys.volume("jpeg"), ...(manifest.config.raw ? [keys.volume("raw")] : [])];
  const volumes = [...precomputed, ...(manifest.config.zarr ? [ZARR_PREFIX] : [])];
  await writeReport(reportDeps, manifest, plan, results, volumes);
  // The OME-Zarr metadata comes last among the volumes' objects: every shard is already there.
  if (manifest.config.zarr) await writeZarrMetadata(report.store, pyramid, await zarrPlacement(deps, keys.volume("jpeg")), manifest.run);
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
  await writeSummary(reportDeps.out, summary, plan, manifest.config.align);
  // Written before finalize by the enumerate and plan steps; recorded here so a rerun checks them too.
  const finalizeOutputs: OutputSizes = { ...report.written };
  for (const key of [keys.manifest, ...precomputed.map((v) => `${v}info`)]) {
    const bytes = await deps.out.get(key);
    if (!bytes) throw new PermanentError(`${key} is missing: it was written before finalize and something removed it`);
    finalizeOutputs[key] = bytes.byteLength;
  }
  return { summary, reduceOutputs, finalizeOutputs };
}

/** Each scale's resolution and voxel offset, as the precomputed volume's info (written by the plan step) says. */
async function zarrPlacement(deps: StepDeps, volume: string): Promise<ScalePlacement[]> {
  const key = `${volume}info`;
  const bytes = await deps.out.get(key);
  if (!bytes) throw new PermanentError(`${key} is missing: it was written before finalize and something removed it`);
  const info = JSON.parse(new TextDecoder().decode(bytes)) as { scales: ScalePlacement[] };
  return info.scales.map((s) => ({ resolution: s.resolution, voxel_offset: s.voxel_offset }));
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
  const outputs = { finalizeOutputs, ...(reduceOutputs ? { reduceOutputs } : {}) };
  await deps.runs.updateRun(manifest.run, { status: "done", details: { summary: recordedSummary(summary), ...outputs, repair: null, finishedAt: options.now().toISOString() } });
  if (!options.keepTmp) await deleteRunTmp(deps.out, manifest, plan);
  return summary;
}
