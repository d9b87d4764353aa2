// What a reexport takes from the finished run it renders again: the plan step's transforms (plan.ts
// `Transforms`: every slice's global transform, the slice rendered at each z, the stand-ins with their
// evidence, the aligned box), read back exactly from the run's report, and the task records of its
// features, align and bridge tasks (the report's per-pair columns), copied as they are.
// Exact: report/transforms.json holds each global transform and the box as JSON numbers, which round-trip
// doubles bit for bit (transforms.csv is the rounded copy for people); report/summary.json holds the
// stand-ins and their evidence as the plan made them, with a "why" added per failed pair. Both are in the
// finished run's ledger (output-ledger.ts), which the caller checks before reading them.
import type { Affine } from "../geometry/affine.js";
import { PermanentError } from "../errors.js";
import type { ObjectStore, RunRecord, RunStore } from "../ports.js";
import type { RunDetails, Substitution } from "../run-details.js";
import type { StepDeps } from "./deps.js";
import { keys } from "./keys.js";
import { openRun } from "./open-run.js";
import { readJson, type RunManifest } from "./manifest.js";
import type { Transforms } from "./plan.js";
import type { BadSliceEvidence, FailedPair } from "./run-plan.js";

/**
 * The stages whose task records a reexport copies: the stages that align (plan.ts reads the pairs'
 * outcomes, finalize the report's). Recorded done, they are not run again: each driver's fan-out delivers
 * only what is not done (stage-steps.ts openStage), so a seeded run needs no path of its own there.
 */
export const COPIED_STAGES = ["features", "align", "bridge"] as const;

interface TransformsFile {
  run: string;
  box: Transforms["box"];
  slices: Array<{ z: number; source: number; global: Affine }>;
}

interface SummaryFile {
  run: string;
  substitutions: Array<Substitution & { evidence: Array<FailedPair & { why: string }> }>;
}

/** The finished run's transforms, from its report; a PermanentError naming the file that does not fit the run. */
export async function readPlanSeed(out: ObjectStore, manifest: RunManifest): Promise<Transforms> {
  const transformsKey = keys.report("transforms.json");
  const summaryKey = keys.report("summary.json");
  const transforms = await readJson<TransformsFile>(out, transformsKey, `run ${manifest.run} wrote no transforms to reexport from`);
  const summary = await readJson<SummaryFile>(out, summaryKey, `run ${manifest.run} wrote no summary to reexport from`);
  for (const [key, file] of [[transformsKey, transforms], [summaryKey, summary]] as const) {
    if (file.run !== manifest.run) throw new PermanentError(`${key}: is of run ${String(file.run)}, not of run ${manifest.run} that the folder holds`);
  }
  const slices = transforms.slices;
  const fits =
    Array.isArray(slices) &&
    slices.length === manifest.slices.length &&
    slices.every((s, i) => s.z === manifest.slices[i].z && Number.isInteger(s.source) && isAffine(s.global));
  if (!fits) throw new PermanentError(`${transformsKey}: does not list one transform per slice of run ${manifest.run}`);
  if (!Array.isArray(summary.substitutions)) throw new PermanentError(`${summaryKey}: has no list of substitutions`);
  const substitutions: Substitution[] = summary.substitutions.map(({ z, source, reason }) => ({ z, source, reason }));
  const evidence: BadSliceEvidence[] = summary.substitutions.map((s) => ({
    z: s.z,
    failedPairs: (s.evidence ?? []).map((pair) => {
      const { why: _why, ...failed } = pair;
      return failed;
    }),
  }));
  return {
    globals: slices.map((s) => s.global),
    sources: slices.map((s) => s.source),
    substitutions,
    evidence,
    box: transforms.box,
  };
}

/**
 * Opens the new run of a reexport in `deps` (its own output root and run store): its manifest written and
 * its record created with the finished run's slice versions (which the caller compared with the slices as
 * they are now), then the finished run's pair outcomes copied. Idempotent, so a resumed reexport calls it again.
 */
export async function openSeededRun(
  deps: StepDeps,
  manifest: RunManifest,
  finished: { runs: RunStore; record: RunRecord },
  now: () => Date,
  details: RunDetails = {},
): Promise<RunRecord> {
  const record = await openRun(deps, manifest, { ...details, sliceVersions: finished.record.details.sliceVersions }, now);
  await copyAligningRecords({ runs: finished.runs, run: finished.record.run }, { runs: deps.runs, run: manifest.run });
  return record;
}

/**
 * The seed of a run whose record names one (`details.reexportFrom`, the cloud's reexports), read from the
 * finished run's output root (`outOf`); undefined for any other run (and no read).
 */
export async function recordedSeed(record: RunRecord, outOf: (run: string) => Promise<ObjectStore>): Promise<Transforms | undefined> {
  const from = record.details.reexportFrom;
  const run = record.run;
  if (from === undefined) return undefined;
  const out = await outOf(from);
  const manifest = await readJson<RunManifest>(out, keys.manifest, `run ${from}, which run ${run} is reexported from, has no manifest`);
  return readPlanSeed(out, manifest);
}

/**
 * Copies the finished run's done features, align and bridge task records to the new run (as they are: the
 * reexport does not read them), so that it runs none of them and its report says what the finished run's
 * says about each pair. Idempotent: a task already recorded is left as it is.
 */
export async function copyAligningRecords(from: { runs: RunStore; run: string }, to: { runs: RunStore; run: string }): Promise<number> {
  let copied = 0;
  for (const stage of COPIED_STAGES) {
    for (const t of await from.runs.listTasks(from.run, stage)) {
      if (t.status === "done" && (await to.runs.recordTask({ ...t, run: to.run }))) copied++;
    }
  }
  return copied;
}

function isAffine(value: unknown): value is Affine {
  return Array.isArray(value) && value.length === 6 && value.every((v) => typeof v === "number" && Number.isFinite(v));
}
