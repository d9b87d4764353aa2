// What a run record says about its run beyond status and totals (RunRecord.details, ports.ts), field by
// field, with the step that writes each. Plain JSON: every RunStore keeps it as given, and an update merges
// it key by key (mergeRunPatch). The value types a record holds are defined here, so the record, its
// writers and its readers (`emingest status`, the next rerun) agree on them without a cast.
import type { PixelBox } from "./geometry/pixel-box.js";
import type { BucketFolder } from "./gs-url.js";

export interface RunDetails {
  /** Cloud runs: where the slices are and where the outputs go (the start step; adapters/gcp/run-locations.ts). */
  location?: RunLocation;
  /** A reexport (pipeline/reexport-seed.ts): the finished run whose transforms seed this one; its aligning stages are not run. */
  reexportFrom?: string;
  /** A version tag per slice, in manifest order, checked at every open (pipeline/source-versions.ts). */
  sliceVersions?: string[];
  /** The plan step: the output's box in the reference frame, and how many bad slices have a stand-in (the
   * list is in the plan and report/summary.json: it grows with the stack, a record must not). */
  box?: PixelBox;
  substitutions?: number;
  /** What a rerun over a damaged finished output redoes (pipeline/repair.ts); null once the run is done again. */
  repair?: Repair | null;
  /** The finalize step, in the update that marks the run done: the summary, its lists as counts
   * (pipeline/recorded-summary.ts), and what it wrote (pipeline/output-ledger.ts). */
  summary?: RecordedSummary;
  reduceOutputs?: OutputSizes;
  finalizeOutputs?: OutputSizes;
  finishedAt?: string;
  /** A failed run: the one message that says why, and the stage or step that failed. A rerun of a fiji batch clears it (null). */
  error?: string | null;
  failedStage?: string;
}

export interface RunLocation {
  source: BucketFolder;
  out: BucketFolder;
}

/** A bad slice of the output and the slice whose image stands in for it (z numbers). */
export interface Substitution {
  /** The bad slice. */
  z: number;
  /** The slice whose image stands in for it. */
  source: number;
  reason: string;
}

export interface Repair {
  /** Render tasks to run again, by z. */
  render: number[];
  /** Pyramid tasks to run again, by task id. */
  pyramid: string[];
  /** Whether the reduce step (the scales above the cube size) runs again. */
  reduce: boolean;
}

/** Object key -> size in bytes. */
export type OutputSizes = Record<string, number>;

/** What a finished run made: the finalize step's answer, stored on the run and in report/summary.json. */
export interface RunSummary {
  run: string;
  slices: number;
  volume: { size: [number, number, number]; resolution: [number, number, number]; box: PixelBox };
  scales: number;
  volumes: string[];
  objects: number;
  substitutions: Substitution[];
  flaggedPairs: Array<{ z: number; flags: string[] }>;
}

/** A RunSummary as the run record and the cloud's finalize answer hold it: the lists as counts, the whole
 * summary at `report` (under the run's output root). Its size does not grow with the stack. */
export interface RecordedSummary extends Omit<RunSummary, "substitutions" | "flaggedPairs"> {
  substitutions: number;
  flaggedPairs: number;
  report: string;
}
