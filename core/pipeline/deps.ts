import type { ObjectStore, RunStore } from "../ports.js";
import type { Probe } from "../util/probe.js";

/** What a task handler may touch: the source slices and the run's output root. */
export interface TaskDeps {
  source: ObjectStore;
  out: ObjectStore;
  /** How the source is named in errors ("slices", "gs://bucket/prefix"). */
  sourceName: string;
  /** Names the steps inside a task for a bench (core/util/probe.ts); absent: NO_PROBE. */
  probe?: Probe;
}

/** Barrier steps (plan, finalize) also read and write run state. */
export interface StepDeps extends TaskDeps {
  runs: RunStore;
  /** The code's version, for the volumes' provenance (report/provenance.ts); read at the edge. */
  codeVersion?: string;
}
