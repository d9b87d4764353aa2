// The command-line flags that set config fields (core/config.ts), shared by `emingest run` and
// `emingest reexport` (which refuses those that would change the alignment: core/pipeline/reexport-settings.ts).
// Flags are turned into config fields here; the config parser checks ranges and names allowed values.
import { UsageError } from "./usage-error.js";

export const CONFIG_FLAGS = {
  pattern: { type: "string" },
  minz: { type: "string" },
  maxz: { type: "string" },
  resolution: { type: "string" },
  downsample: { type: "string" },
  clahe: { type: "string" },
  "skip-align": { type: "boolean" },
  detector: { type: "string" },
  "max-failed-pair-share": { type: "string" },
  "max-consecutive-bad": { type: "string" },
  "n-adjacent": { type: "string" },
  raw: { type: "boolean" },
  zarr: { type: "boolean" },
  "raw-encoding": { type: "string" },
  "jpeg-quality": { type: "string" },
  window16: { type: "string" },
  "window16-scope": { type: "string" },
  "xy-origin": { type: "string" },
} as const;

type ConfigFlagValues = { [K in keyof typeof CONFIG_FLAGS]?: (typeof CONFIG_FLAGS)[K]["type"] extends "boolean" ? boolean : string };

/** Config fields given on the command line (they override the config file, or a reexported run's config). */
export function configOverrides(values: ConfigFlagValues): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  if (values.pattern !== undefined) overrides.pattern = values.pattern;
  if (values.minz !== undefined) overrides.minz = int("--minz", values.minz);
  if (values.maxz !== undefined) overrides.maxz = int("--maxz", values.maxz);
  if (values.resolution !== undefined) overrides.resolution = numbers("--resolution", values.resolution, 3);
  if (values.downsample !== undefined) overrides.downsample = int("--downsample", values.downsample);
  if (values.clahe !== undefined) overrides.claheClip = num("--clahe", values.clahe);
  if (values["skip-align"]) overrides.skipAlign = true;
  // The alignment policy's fields live in "align"; the config parser checks their ranges.
  const policy: Record<string, number> = {};
  if (values["max-failed-pair-share"] !== undefined) policy.maxFailedPairShare = num("--max-failed-pair-share", values["max-failed-pair-share"]);
  if (values["max-consecutive-bad"] !== undefined) policy.maxConsecutiveBad = int("--max-consecutive-bad", values["max-consecutive-bad"]);
  if (values["n-adjacent"] !== undefined) policy.nAdjacent = int("--n-adjacent", values["n-adjacent"]);
  const align: Record<string, unknown> = { ...policy };
  // The config parser names the allowed detectors, so a bad --detector is reported there.
  if (values.detector !== undefined) align.detector = values.detector;
  if (Object.keys(align).length > 0) overrides.align = align;
  if (values.raw) overrides.raw = true;
  if (values.zarr) overrides.zarr = true;
  // The config parser names the allowed values.
  if (values["raw-encoding"] !== undefined) overrides.rawEncoding = values["raw-encoding"];
  if (values["jpeg-quality"] !== undefined) overrides.jpegQuality = int("--jpeg-quality", values["jpeg-quality"]);
  if (values.window16 !== undefined) overrides.window16 = numbers("--window16", values.window16, 2);
  // The config parser names the allowed values: it says what is wrong with "--window16-scope" too.
  if (values["window16-scope"] !== undefined) overrides.window16Scope = values["window16-scope"];
  if (values["xy-origin"] !== undefined) overrides.xyOrigin = values["xy-origin"];
  return overrides;
}

export function num(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) throw new UsageError(`${flag} must be a number, got "${text}"`);
  return v;
}

export function int(flag: string, text: string): number {
  const v = num(flag, text);
  if (!Number.isSafeInteger(v)) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
  return v;
}

function numbers(flag: string, text: string, count: number): number[] {
  const parts = text.split(",");
  if (parts.length !== count) throw new UsageError(`${flag} takes ${count} comma-separated numbers, got "${text}"`);
  return parts.map((p) => num(flag, p));
}
