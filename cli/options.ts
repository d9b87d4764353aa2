// Command-line parsing as pure functions of (argv, env), so they are table-tested (HOUSE-STYLE.md).
import { FIJI_BATCH_USAGE, parseFijiBatch, type FijiBatchCommand } from "./fiji-batch-command.js";
import { parsePlan, PLAN_USAGE, type PlanCommand } from "./plan-command.js";
import { parseReexport, REEXPORT_USAGE, type ReexportCommand } from "./reexport-command.js";
import { parseStatus, STATUS_USAGE, type StatusCommand } from "./status-command.js";
import { parseSubmit, SUBMIT_USAGE, type SubmitCommand } from "./submit-command.js";
import { CONFIG_FLAGS, configOverrides, int, num } from "./config-flags.js";
import { parseFlags, UsageError } from "./usage-error.js";

export { UsageError };

export const USAGE = `emingest: EM slices -> aligned, contrast-normalised, multiscale neuroglancer volume

usage:
  emingest run <slices-dir> --out <dir> [options]   ingest a folder of slices on this machine
  emingest sample <dir> [--count N] [--size W[xH]] [--seed S]
                                                 generate a synthetic EM-like stack + ground truth
  emingest serve <out-dir> [--port P] [--host H]   serve a volume over HTTP for neuroglancer
${SUBMIT_USAGE}
${STATUS_USAGE}
${FIJI_BATCH_USAGE}
${PLAN_USAGE}
${REEXPORT_USAGE}

run options (clio_ingest names in brackets):
  --pattern img%05d.png   printf pattern of slice names [image pattern]; default: number in each name
  --minz N --maxz N       first and last slice number to ingest
  --resolution X,Y,Z      voxel size in nm (default 8,8,8)
  --downsample N          integer xy downsampling of the input slices (default 1)
  --clahe CLIP            CLAHE clip limit, 0 = off (default 0)
  --skip-align            do not align; slices are stacked as they are
  --detector D            keypoint detector: akaze (default) or sift (OpenCV's SIFT, as in Fiji)
  --max-failed-pair-share S  stop when more than this share of the pairs (z-1, z) fail (default 0.1; 1 = any)
  --max-consecutive-bad N    stop when more than N slices in a row are bad (default 2)
  --n-adjacent K          match each slice with the K slices after it, for the global solve (default 2, 1-8)
  --raw                   also write a lossless pyramid (ng/raw)
  --raw-encoding E        its chunks: png (default; smaller) or gzip (raw voxels, gzipped shards)
  --zarr                  also write a lossless OME-Zarr 0.5 copy (ng/zarr: zarr v3, sharded, zstd)
  --jpeg-quality Q        JPEG quality of the viewing pyramid (default 90)
  --window16 LO,HI        16-bit input: percentiles mapped to 0 and 255 (default 0.5,99.5)
  --window16-scope S      stack (one window for all slices, default) or slice (each slice its own)
  --xy-origin O           box (voxel x, y = pixel of the first slice's frame, default) or zero
  --config FILE           an ingest.json to start from (default: <slices-dir>/ingest.json if present)
  --workers N             worker threads, 1 to 256 (default: one per core)
  --task-timeout S        a task running longer is stopped and retried (default 1800 s; at most 7 days;
                          0 = no limit)
  --keep-tmp              keep tmp/ (features, rendered tiles) after the run
  --json                  print the run summary as JSON at the end
Running the same command again resumes: finished work is not redone.

every command: --debug   print the stack trace of a failure (a failure is otherwise one line)`;

export interface RunCommand {
  command: "run";
  slices: string;
  out: string;
  configFile?: string;
  /** Config fields given on the command line; they override the config file. */
  overrides: Record<string, unknown>;
  workers?: number;
  taskTimeoutS: number;
  keepTmp: boolean;
  json: boolean;
}

export interface SampleCommand {
  command: "sample";
  dir: string;
  count: number;
  width: number;
  height: number;
  seed: number;
}

export interface ServeCommand {
  command: "serve";
  dir: string;
  port: number;
  host: string;
}

export type Command = RunCommand | SampleCommand | ServeCommand | StatusCommand | SubmitCommand | FijiBatchCommand | PlanCommand | ReexportCommand | { command: "help" };

export function parseCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Command {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return { command: "help" };
    case "run":
      return parseRun(rest);
    case "sample":
      return parseSample(rest);
    case "serve":
      return parseServe(rest);
    case "status":
      return parseStatus(rest);
    case "submit":
      return parseSubmit(rest);
    case "fiji-batch":
      return parseFijiBatch(rest);
    case "plan":
      return parsePlan(rest, env);
    case "reexport":
      return parseReexport(rest);
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

function parseRun(args: readonly string[]): RunCommand {
  const { values, positionals } = parseFlags(args, {
    out: { type: "string" },
    ...CONFIG_FLAGS,
    config: { type: "string" },
    workers: { type: "string" },
    "task-timeout": { type: "string" },
    "keep-tmp": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError("run takes one slices folder");
  if (!values.out) throw new UsageError("run needs --out <dir>");
  const overrides = configOverrides(values);
  return {
    command: "run",
    slices: positionals[0],
    out: values.out,
    configFile: values.config,
    overrides,
    workers: values.workers === undefined ? undefined : intIn("--workers", values.workers, 1, MAX_WORKERS),
    taskTimeoutS: values["task-timeout"] === undefined ? 1800 : taskTimeout(values["task-timeout"]),
    keepTmp: values["keep-tmp"] ?? false,
    json: values.json ?? false,
  };
}

function parseSample(args: readonly string[]): SampleCommand {
  const { values, positionals } = parseFlags(args, {
    count: { type: "string" },
    size: { type: "string" },
    seed: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("sample takes one output folder");
  const [width, height] = values.size === undefined ? [1024, 1024] : size(values.size);
  return {
    command: "sample",
    dir: positionals[0],
    count: values.count === undefined ? 16 : intIn("--count", values.count, 1, MAX_SAMPLE_COUNT),
    width,
    height,
    seed: values.seed === undefined ? 1 : intIn("--seed", values.seed, 0, 2 ** 31 - 1),
  };
}

function parseServe(args: readonly string[]): ServeCommand {
  const { values, positionals } = parseFlags(args, { port: { type: "string" }, host: { type: "string" } });
  if (positionals.length !== 1) throw new UsageError("serve takes one output folder");
  return {
    command: "serve",
    dir: positionals[0],
    port: values.port === undefined ? 8080 : intIn("--port", values.port, 0, 65535),
    host: values.host ?? "127.0.0.1",
  };
}

/** Bounds of the options that are not config fields (the config parser bounds those, core/config.ts). */
const MAX_WORKERS = 256;
const MAX_SAMPLE_COUNT = 100_000;
const MAX_SAMPLE_SIDE = 16_384;
/** A week; the worker pool's timer holds at most 2^31 - 1 ms (24.8 days) and fires at once beyond. */
const MAX_TASK_TIMEOUT_S = 7 * 24 * 3600;

function intIn(flag: string, text: string, min: number, max: number): number {
  const v = int(flag, text);
  if (v < min || v > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got "${text}"`);
  return v;
}

function taskTimeout(text: string): number {
  const v = num("--task-timeout", text);
  if (v !== 0 && (v < 1 || v > MAX_TASK_TIMEOUT_S)) {
    throw new UsageError(`--task-timeout must be 0 (no limit) or 1 to ${MAX_TASK_TIMEOUT_S} seconds (7 days), got "${text}"`);
  }
  return v;
}

function size(text: string): [number, number] {
  const parts = text.toLowerCase().split("x");
  if (parts.length > 2) throw new UsageError(`--size is W or WxH, got "${text}"`);
  const w = int("--size", parts[0]);
  const h = parts.length === 2 ? int("--size", parts[1]) : w;
  if (w < 16 || h < 16 || w > MAX_SAMPLE_SIDE || h > MAX_SAMPLE_SIDE) {
    throw new UsageError(`--size must be between 16x16 and ${MAX_SAMPLE_SIDE}x${MAX_SAMPLE_SIDE}, got "${text}"`);
  }
  return [w, h];
}
