// The plan step (a barrier, stages.ts): pair results -> bad slices, global transforms and stand-ins by the
// global solve (align/solve-plan.ts, align/global-solve.ts), the alignment policy (align/alignment-policy.ts), the global bounding box, the
// pyramid plan, each volume's `info` and the cube list. Deterministic: a rerun computes the same plan, or
// the same refusal, from the same recorded pair results.
// A refusal (the policy, or a volume too large to write) records the run as failed before anything of the
// volume is written: no plan, no `info`, so nothing a rerun could take for a finished volume.
import { checkAlignment, DEFAULT_ALIGN_PARAMS, failureOf, solveParams, solvePlan, type AlignedPair, type PairFailure } from "../align/index.js";
import { IDENTITY } from "../geometry/affine.js";
import { errorMessage, PermanentError } from "../errors.js";
import { infoBytes, listCubes, planPyramid } from "../precomputed/index.js";
import { volumeSizeProblem } from "../precomputed/volume-limits.js";
import type { SliceMatches } from "./align-task.js";
import { adjacentResults, bridgeTasksFor } from "./bridge-tasks.js";
import type { FeaturesOutcome } from "./features-task.js";
import type { StepDeps } from "./deps.js";
import { keys } from "./keys.js";
import { writeJson, type RunManifest } from "./manifest.js";
import { voxelOffset } from "./placement.js";
import { volumeTargets, type FailedPair, type RunPlan } from "./run-plan.js";
import { task } from "./tasks.js";

/** What the alignment decides; a reexport (reexport-seed.ts) seeds a run with a finished run's instead. */
export type Transforms = Pick<RunPlan, "globals" | "sources" | "substitutions" | "evidence" | "box">;

/** `seed`: the transforms of a finished run (a reexport), used as they are instead of the recorded pairs. */
export async function planRun(deps: StepDeps, manifest: RunManifest, seed?: Transforms): Promise<RunPlan> {
  try {
    return await buildPlan(deps, manifest, seed);
  } catch (error) {
    if (error instanceof PermanentError) {
      await deps.runs.updateRun(manifest.run, { status: "failed", details: { error: errorMessage(error), failedStage: "plan" } });
    }
    throw error;
  }
}

async function buildPlan(deps: StepDeps, manifest: RunManifest, seed: Transforms | undefined): Promise<RunPlan> {
  const firstZ = manifest.slices[0].z;
  const n = manifest.slices.length;
  const transforms = seed ?? (manifest.config.skipAlign ? unaligned(manifest) : await aligned(deps, manifest));
  const size: [number, number, number] = [transforms.box.width, transforms.box.height, n];
  const sizeProblem = volumeSizeProblem(size);
  if (sizeProblem) {
    throw new PermanentError(`run ${manifest.run}: the aligned volume cannot be written: ${sizeProblem} (box ${JSON.stringify(transforms.box)}; see the pair transforms)`);
  }
  const c = manifest.config.cube;
  const pyramid = planPyramid({ size, resolution: manifest.config.resolution, cube: [c, c, c] });
  const sliceVersions = manifest.config.skipAlign ? undefined : await featuresVersions(deps, manifest);
  const plan: RunPlan = { run: manifest.run, firstZ, ...transforms, pyramid, cubes: listCubes(pyramid), ...(sliceVersions ? { sliceVersions } : {}) };
  await writeJson(deps.out, keys.plan, plan);
  for (const target of volumeTargets(manifest.config, deps.out)) {
    await target.put("info", infoBytes(pyramid, target, voxelOffset(manifest.config, transforms.box, firstZ)));
  }
  return plan;
}

/** The tag of the bytes each slice's features task read (null where none is recorded). */
async function featuresVersions(deps: StepDeps, manifest: RunManifest): Promise<Array<string | null>> {
  const read = new Map<string, unknown>();
  for (const t of await deps.runs.listTasks(manifest.run, "features")) {
    if (t.status === "done") read.set(t.id, (t.outcome as Partial<FeaturesOutcome> | null)?.sliceVersion);
  }
  return manifest.slices.map((s) => {
    const tag = read.get(task.features(manifest.run, s.z).id);
    return typeof tag === "string" ? tag : null;
  });
}

function unaligned(manifest: RunManifest): Transforms {
  return {
    globals: manifest.slices.map(() => IDENTITY),
    sources: manifest.slices.map((s) => s.z),
    substitutions: [],
    evidence: [],
    box: { x0: 0, y0: 0, width: manifest.width, height: manifest.height },
  };
}

async function aligned(deps: StepDeps, manifest: RunManifest): Promise<Transforms> {
  const firstZ = manifest.slices[0].z;
  const n = manifest.slices.length;
  const align = manifest.config.align;
  const adjacent = (await adjacentResults(deps.runs, manifest)) as Array<SliceMatches | undefined>;
  const bridges = new Map(
    (await deps.runs.listTasks(manifest.run, "bridge")).filter((t) => t.status === "done").map((t) => [t.id, t.outcome as AlignedPair["result"]] as const),
  );
  const pairs: AlignedPair[] = adjacent.flatMap((result, i) =>
    i === 0 ? [] : [{ from: i - 1, to: i, result }, ...(result?.further ?? []).map((f) => ({ from: f.from - firstZ, to: i, result: f }))],
  );
  for (const t of bridgeTasksFor(manifest, adjacent)) {
    const result = bridges.get(t.id);
    if (!result) throw new PermanentError(`run ${manifest.run}: bridge pair (${t.from}, ${t.z}) has no recorded alignment`);
    pairs.push({ from: t.from - firstZ, to: t.z - firstZ, result });
  }
  const planned = solvePlan(pairs, n, manifest.width, manifest.height, solveParams({ ...DEFAULT_ALIGN_PARAMS, ...align }));
  const failed = pairs.filter((p) => p.result?.ok !== true).map(failureOf).sort((a, b) => a.to - b.to || a.from - b.from);
  checkAlignment(
    manifest.run,
    { n, firstZ, failedAdjacent: failed.filter((f) => f.to - f.from === 1), failed, bad: planned.bad, parts: planned.parts },
    align,
  );
  const asFailedPair = (f: PairFailure): FailedPair => ({
    pair: [firstZ + f.from, firstZ + f.to],
    stage: f.to - f.from <= align.nAdjacent ? "align" : "bridge",
    flags: f.flags,
    matches: f.matches,
    inliers: f.inliers,
  });
  return {
    globals: planned.globals,
    sources: planned.sources.map((i) => firstZ + i),
    substitutions: planned.standIns.map((s) => ({
      z: firstZ + s.index,
      source: firstZ + s.source,
      reason: `no pair with slice ${firstZ + s.index} agrees with the stack (${s.evidence.length} tried: ${[...new Set(s.evidence.flatMap((e) => e.flags))].join(", ")})`,
    })),
    evidence: planned.standIns.map((s) => ({ z: firstZ + s.index, failedPairs: s.evidence.map(asFailedPair) })),
    box: planned.box,
  };
}
