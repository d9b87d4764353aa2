// Where a task's time goes: handlers name their steps through an injected Probe (TaskDeps.probe), and a
// bench (bench/e2e/) measures them. The default does nothing but call the step, so production pays one
// function call per step. Steps may nest: a probe that measures them attributes a step's time exclusive of
// the steps inside it.

/** The steps of issue 17 item 1 that run inside a task handler (stores and run state are probed by wrapping the ports). */
export type StepName =
  | "decode"
  | "downsample"
  | "window16"
  | "features"
  | "warp"
  | "clahe"
  | "tile-cut"
  | "cube-assembly"
  | "box-downsample"
  | "jpeg-encode"
  | "chunk-copy";

export interface Probe {
  step<T>(name: StepName, run: () => Promise<T>): Promise<T>;
  stepSync<T>(name: StepName, run: () => T): T;
}

export const NO_PROBE: Probe = Object.freeze({
  step: <T>(_name: StepName, run: () => Promise<T>): Promise<T> => run(),
  stepSync: <T>(_name: StepName, run: () => T): T => run(),
});
