// The ingest config: parsed and validated once at the boundary, with the path of the field in every error
// (HOUSE-STYLE.md rules 6 and 8). The same shape is an ingest.json in a bucket or a set of CLI options.
import { DETECTORS } from "./align/descriptors.js";
import { DEFAULT_ALIGN_PARAMS, type AlignParams } from "./align/params.js";
import { PermanentError } from "./errors.js";
import { MAX_RESOLUTION_NM, MIN_RESOLUTION_NM } from "./precomputed/volume-limits.js";

export interface IngestConfig {
  /** printf pattern of slice names (`img%05d.png`); undefined = automatic numbering by the last number in the name. */
  pattern?: string;
  minz?: number;
  maxz?: number;
  /** Voxel size in nm, x y z; each from 0.001 to 1e6 (precomputed/volume-limits.ts: every scale stays finite and distinct). */
  resolution: [number, number, number];
  /** Integer xy downsampling of every input slice before anything else (1 = none). */
  downsample: number;
  /** CLAHE clip limit; 0 turns CLAHE off. */
  claheClip: number;
  claheTiles: number;
  skipAlign: boolean;
  /** Also write a lossless raw pyramid beside the jpeg one. */
  raw: boolean;
  /** Chunks of the lossless volume: "png" (0.71x the bytes on EM-like texture) or "gzip" (raw chunks, gzipped shards). */
  rawEncoding: "png" | "gzip";
  /** Also write a lossless OME-Zarr 0.5 copy (zarr v3, sharded, zstd) in ng/zarr/ (core/zarr/). */
  zarr: boolean;
  jpegQuality: number;
  /** Percentile window for 16-bit input. */
  window16: [number, number];
  /**
   * Whose percentiles: "stack" (one window for the whole stack, so contrast does not jump between slices;
   * estimated from up to 64 evenly spaced slices) or "slice" (each slice its own; follows drifting brightness).
   */
  window16Scope: "stack" | "slice";
  /**
   * Where scale 0's voxel (0, 0) sits in x and y (pipeline/placement.ts): "box", at the aligned box's origin
   * in the reference slice's pixel frame (voxel coordinate = reference pixel); "zero", at 0 (the box's
   * corner is voxel 0). z always follows the slice numbers.
   */
  xyOrigin: "box" | "zero";
  align: AlignConfig;
  /** Scale-0 voxels per pyramid task along each axis (a power-of-two multiple of 64). */
  cube: number;
  /** Decoded pixel limit per slice (width * height). */
  maxPixels: number;
}

export interface AlignConfig {
  /** Longer side of the downsampled copy that features are found on. */
  maxSize: number;
  rod: number;
  maxEpsilon: number;
  minInlierRatio: number;
  minNumInliers: number;
  expectedModel: AlignParams["expectedModel"];
  /** Keypoint detector: "akaze" (default) or "sift" (OpenCV's SIFT, float descriptors, L2 ratio matching). */
  detector: AlignParams["detector"];
  /** Destripe the feature copy (align/destripe.ts): stripes fixed in the frame (curtaining); on by default. */
  destripe: boolean;
  /**
   * The alignment policy (align/alignment-policy.ts): the run stops when more than this share of the
   * pairs (z-1, z) failed. 1 accepts any share.
   */
  maxFailedPairShare: number;
  /** The run stops when more than this many slices in a row are bad; bridge pairs reach this far plus one. */
  maxConsecutiveBad: number;
  /**
   * Each slice is matched with the slices up to this many apart (mpicbg's n_adjacent; align-task.ts).
   * Default 1: on rendered stacks with known truth the solve over pairs 2 apart was less accurate than the
   * adjacent pairs alone (BENCHMARKS.md, "Global solve vs chained pairs").
   */
  nAdjacent: number;
}

/** The largest "cube": a 1024^3 pyramid task peaks at 1.3 GiB (jpeg), 2 GiB with raw (BENCHMARKS.md). */
export const MAX_CUBE = 1024;

export const DEFAULT_CONFIG: IngestConfig = {
  resolution: [8, 8, 8],
  downsample: 1,
  claheClip: 0,
  claheTiles: 8,
  skipAlign: false,
  raw: false,
  rawEncoding: "png",
  zarr: false,
  jpegQuality: 90,
  window16: [0.5, 99.5],
  window16Scope: "stack",
  xyOrigin: "box",
  // The matching settings a config may change keep the aligner's defaults (align/params.ts); the order of
  // the fields is part of the run id (manifest.ts runId hashes the parsed config).
  align: {
    maxSize: DEFAULT_ALIGN_PARAMS.maxSize,
    rod: DEFAULT_ALIGN_PARAMS.rod,
    maxEpsilon: DEFAULT_ALIGN_PARAMS.maxEpsilon,
    minInlierRatio: DEFAULT_ALIGN_PARAMS.minInlierRatio,
    minNumInliers: DEFAULT_ALIGN_PARAMS.minNumInliers,
    expectedModel: DEFAULT_ALIGN_PARAMS.expectedModel,
    detector: DEFAULT_ALIGN_PARAMS.detector,
    destripe: DEFAULT_ALIGN_PARAMS.destripe,
    maxFailedPairShare: 0.1,
    maxConsecutiveBad: 2,
    nAdjacent: 2,
  },
  cube: 512,
  maxPixels: 16384 * 16384,
};

/** Bridge pairs grow as its square (bridge-pairs.ts): 16 gives at most 152 per failed pair. */
export const MAX_CONSECUTIVE_BAD = 16;

/** Matches per slice grow with it, and the solve's band with its square (global-solve.ts). */
export const MAX_N_ADJACENT = 8;

type Raw = Record<string, unknown>;

/** The config's file name beside the slices (a folder, or a bucket prefix: uploading it starts a cloud run). */
export const CONFIG_FILE = "ingest.json";

/** Parses a config object (from ingest.json or CLI flags); `where` names the source in errors. */
export function parseIngestConfig(input: unknown, where = CONFIG_FILE): IngestConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new PermanentError(`${where}: must be a JSON object`);
  }
  const raw = input as Raw;
  const known = new Set([...Object.keys(DEFAULT_CONFIG), "pattern", "minz", "maxz"]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new PermanentError(`${where}: unknown field "${key}"`);
  }
  const field = new FieldReader(raw, where);
  const config: IngestConfig = {
    pattern: field.optionalString("pattern"),
    minz: field.optionalInt("minz", 0),
    maxz: field.optionalInt("maxz", 0),
    resolution: field.triple("resolution", DEFAULT_CONFIG.resolution, MIN_RESOLUTION_NM, MAX_RESOLUTION_NM, "nm"),
    downsample: field.int("downsample", DEFAULT_CONFIG.downsample, 1, 64),
    claheClip: field.number("claheClip", DEFAULT_CONFIG.claheClip, 0, 1000),
    claheTiles: field.int("claheTiles", DEFAULT_CONFIG.claheTiles, 1, 64),
    skipAlign: field.bool("skipAlign", DEFAULT_CONFIG.skipAlign),
    raw: field.bool("raw", DEFAULT_CONFIG.raw),
    rawEncoding: field.oneOf("rawEncoding", ["png", "gzip"] as const, DEFAULT_CONFIG.rawEncoding),
    zarr: field.bool("zarr", DEFAULT_CONFIG.zarr),
    jpegQuality: field.int("jpegQuality", DEFAULT_CONFIG.jpegQuality, 1, 100),
    window16: field.pair("window16", DEFAULT_CONFIG.window16),
    window16Scope: field.oneOf("window16Scope", ["stack", "slice"] as const, DEFAULT_CONFIG.window16Scope),
    xyOrigin: field.oneOf("xyOrigin", ["box", "zero"] as const, DEFAULT_CONFIG.xyOrigin),
    align: parseAlign(raw.align, `${where}: "align"`),
    cube: field.int("cube", DEFAULT_CONFIG.cube, 64, 4096),
    maxPixels: field.int("maxPixels", DEFAULT_CONFIG.maxPixels, 1, 2 ** 31),
  };
  if (config.pattern !== undefined) validatePattern(config.pattern, where);
  if (config.minz !== undefined && config.maxz !== undefined && config.minz > config.maxz) {
    throw new PermanentError(`${where}: "minz" (${config.minz}) must be <= "maxz" (${config.maxz})`);
  }
  if (!isPowerOfTwoMultiple(config.cube, 64)) {
    throw new PermanentError(`${where}: "cube" must be 64 times a power of two, got ${config.cube}`);
  }
  // A pyramid task holds its cube's scale-0 voxels (BENCHMARKS.md "Peak memory of each task kind").
  if (config.cube > MAX_CUBE) {
    throw new PermanentError(
      `${where}: "cube" must be at most ${MAX_CUBE}, got ${config.cube}: a pyramid task holds its whole cube in memory (1 GiB at 1024^3, 1.3 GiB at its peak; ${config.cube}^3 is ${(config.cube / 1024) ** 3} GiB), more than a 4 GiB Cloud Run instance running two tasks has`,
    );
  }
  checkDetectorMemory(config.align, `${where}: "align"`);
  const [lo, hi] = config.window16;
  if (!(lo >= 0 && hi <= 100 && lo < hi)) {
    throw new PermanentError(`${where}: "window16" must be two percentiles 0 <= low < high <= 100, got [${lo}, ${hi}]`);
  }
  return config;
}

function parseAlign(input: unknown, where: string): AlignConfig {
  const d = DEFAULT_CONFIG.align;
  if (input === undefined) return { ...d };
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new PermanentError(`${where} must be an object`);
  const raw = input as Raw;
  for (const key of Object.keys(raw)) {
    if (!(key in d)) throw new PermanentError(`${where}: unknown field "${key}"`);
  }
  const field = new FieldReader(raw, where);
  const expectedModel = field.optionalString("expectedModel") ?? d.expectedModel;
  if (!["auto", "translation", "rigid", "affine"].includes(expectedModel)) {
    throw new PermanentError(`${where}: "expectedModel" must be auto, translation, rigid or affine, got "${expectedModel}"`);
  }
  return {
    maxSize: field.int("maxSize", d.maxSize, 64, 16384),
    rod: field.number("rod", d.rod, 0.01, 1),
    maxEpsilon: field.number("maxEpsilon", d.maxEpsilon, 0.01, 10000),
    minInlierRatio: field.number("minInlierRatio", d.minInlierRatio, 0, 1),
    minNumInliers: field.int("minNumInliers", d.minNumInliers, 3, 100000),
    expectedModel: expectedModel as AlignConfig["expectedModel"],
    detector: field.oneOf("detector", DETECTORS, d.detector),
    destripe: field.bool("destripe", d.destripe),
    maxFailedPairShare: field.number("maxFailedPairShare", d.maxFailedPairShare, 0, 1),
    maxConsecutiveBad: field.int("maxConsecutiveBad", d.maxConsecutiveBad, 0, MAX_CONSECUTIVE_BAD),
    nAdjacent: field.int("nAdjacent", d.nAdjacent, 1, MAX_N_ADJACENT),
  };
}

/**
 * A features task holds the detector's scale space of the maxSize copy: measured peak RSS ~90 bytes per pixel
 * for AKAZE (1.5 GiB at 4096^2) and ~230 for SIFT, which doubles the image (1.0 GiB at 2048^2, 3.7 GiB at
 * 4096^2; BENCHMARKS.md "Peak memory of the detectors"). A task must fit half of a 4 GiB Cloud Run instance.
 */
export const MAX_DETECTOR_SIZE: Readonly<Record<AlignConfig["detector"], number>> = { akaze: 4096, sift: 2048 };

function checkDetectorMemory(align: AlignConfig, where: string): void {
  const max = MAX_DETECTOR_SIZE[align.detector];
  if (align.maxSize > max) {
    throw new PermanentError(
      `${where}: "maxSize" must be at most ${max} with detector ${align.detector}, got ${align.maxSize}: ${align.detector} on a ${align.maxSize}^2 copy needs more memory than a features task has (half of a 4 GiB Cloud Run instance)`,
    );
  }
}

/** printf patterns: exactly one integer conversion (%d, %5d, %05d), a plain file name. */
export function validatePattern(pattern: string, where: string): void {
  const conversions = pattern.match(/%0?\d*d/g) ?? [];
  const other = pattern.replace(/%0?\d*d/g, "").includes("%");
  if (conversions.length !== 1 || other) {
    throw new PermanentError(`${where}: "pattern" must hold exactly one %d conversion (like img%05d.png), got "${pattern}"`);
  }
  if (pattern.includes("/") || pattern.includes("\\")) {
    throw new PermanentError(`${where}: "pattern" must be a file name without folders, got "${pattern}"`);
  }
}

function isPowerOfTwoMultiple(value: number, unit: number): boolean {
  const ratio = value / unit;
  return Number.isInteger(ratio) && (ratio & (ratio - 1)) === 0;
}

class FieldReader {
  constructor(
    private readonly raw: Raw,
    private readonly where: string,
  ) {}

  private fail(name: string, want: string, got: unknown): never {
    throw new PermanentError(`${this.where}: "${name}" must be ${want}, got ${JSON.stringify(got)}`);
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw[name];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) this.fail(name, `a number from ${min} to ${max}`, v);
    return v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.number(name, fallback, min, max);
    if (!Number.isInteger(v)) this.fail(name, `a whole number from ${min} to ${max}`, v);
    return v;
  }

  optionalInt(name: string, min: number): number | undefined {
    return this.raw[name] === undefined ? undefined : this.int(name, 0, min, 2 ** 31);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw[name];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") this.fail(name, "true or false", v);
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const v = this.raw[name];
    if (v === undefined) return fallback;
    if (typeof v !== "string" || !(values as readonly string[]).includes(v)) this.fail(name, `one of ${values.join(", ")}`, v);
    return v as T;
  }

  optionalString(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.length === 0) this.fail(name, "a non-empty string", v);
    return v;
  }

  triple(name: string, fallback: [number, number, number], min: number, max: number, unit: string): [number, number, number] {
    const v = this.raw[name];
    if (v === undefined) return [...fallback];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((n) => typeof n === "number" && Number.isFinite(n) && n >= min && n <= max)) {
      this.fail(name, `three numbers [x, y, z] from ${min} to ${max} ${unit}`, v);
    }
    return [v[0], v[1], v[2]];
  }

  pair(name: string, fallback: [number, number]): [number, number] {
    const v = this.raw[name];
    if (v === undefined) return [...fallback];
    if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => typeof n === "number" && Number.isFinite(n))) {
      this.fail(name, "two numbers [low, high]", v);
    }
    return [v[0], v[1]];
  }
}
