// How many CPU-seconds each stage of the pipeline costs on a machine, per unit of its work: the cost model's
// only measured input (stack-work.ts says what a unit is per stage). `emingest plan --calibrate` measures it
// with a small local run (cli/plan-calibrate.ts) and stores it; without one, DEFAULT_CALIBRATION holds.
import { PermanentError } from "../errors.js";
import type { FanOutStage } from "../pipeline/stages.js";

export interface Calibration {
  /** Where and when it was measured ("default" for the built-in figures). */
  measuredOn: string;
  measuredAt: string;
  /**
   * CPU-seconds per unit of a stage's work (stack-work.ts): features and render per source megapixel,
   * align and bridge per pair, pyramid per megavoxel of the cubes.
   */
  stageCpu: Record<FanOutStage, number>;
  /** The barrier steps (enumerate, plan, finalize) together, CPU-seconds per slice. */
  barrierCpuPerSlice: number;
  /** CPU-seconds a local `emingest run` spends before any work: Node, the addon, the worker threads. */
  startupCpu: number;
}

/**
 * Measured 2026-12-01 on this repository's shared 2-core machine (`emingest plan --calibrate`: 16 and 8
 * sample slices of 1024², CLAHE off; pyramid and barriers from a single 16-slice run, where the two-run
 * difference was lost in noise): the defaults when no calibration file is found. Re-measure: machines differ.
 */
export const DEFAULT_CALIBRATION: Calibration = {
  measuredOn: "default (2-core shared machine, 2026-12-01)",
  measuredAt: "2026-12-01T13:37:37.749Z",
  stageCpu: { features: 0.13, align: 0.026, bridge: 0.026, render: 0.014, pyramid: 0.016 },
  barrierCpuPerSlice: 0.018,
  startupCpu: 2.3,
};

const STAGE_NAMES: readonly FanOutStage[] = ["features", "align", "bridge", "render", "pyramid"];

/** A calibration file (what --calibrate writes); every field is checked, with the file and field named. */
export function parseCalibration(text: string, where: string): Calibration {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PermanentError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const obj = asObject(raw, where);
  const stageCpu = asObject(obj.stageCpu, `${where}: "stageCpu"`);
  const out: Calibration = {
    measuredOn: asString(obj.measuredOn, `${where}: "measuredOn"`),
    measuredAt: asString(obj.measuredAt, `${where}: "measuredAt"`),
    stageCpu: Object.fromEntries(STAGE_NAMES.map((s) => [s, asRate(stageCpu[s], `${where}: "stageCpu.${s}"`)])) as Record<FanOutStage, number>,
    barrierCpuPerSlice: asRate(obj.barrierCpuPerSlice, `${where}: "barrierCpuPerSlice"`),
    startupCpu: asRate(obj.startupCpu, `${where}: "startupCpu"`),
  };
  return out;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new PermanentError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== "string") throw new PermanentError(`${what} must be a string`);
  return value;
}

function asRate(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new PermanentError(`${what} must be a number >= 0, got ${JSON.stringify(value)}`);
  return value;
}
