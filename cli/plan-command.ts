// `emingest plan <slices-dir | gs://bucket/prefix>`: what a run would cost, before anything runs. The slices
// are listed and their headers read exactly as a run does (core/pipeline/enumerate.ts), locally or in a
// bucket; the cost model (core/cost/) turns that into tasks, CPU, operations, dollars and wall time.
// The calibration is read from --calibration FILE, else ~/.config/emingest/calibration.json, else the
// documented defaults (core/cost/calibration.ts); --calibrate measures one and stores it there first.
import { existsSync, promises as fs } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { GcpConfig } from "../adapters/gcp/clients.js";
import { FileStore, openRegular } from "../adapters/local/file-store.js";
import { gcsStoreAt } from "./cloud-store.js";
import { DEFAULT_CALIBRATION, parseCalibration, type Calibration } from "../core/cost/calibration.js";
import { costPlan, DEFAULT_DEPLOYMENT, type CostPlan } from "../core/cost/cost-plan.js";
import { formatPlan } from "../core/cost/format-plan.js";
import { LIST_PRICES, parsePrices } from "../core/cost/prices.js";
import { stackWork } from "../core/cost/stack-work.js";
import { CONFIG_FILE, parseIngestConfig } from "../core/config.js";
import { PermanentError } from "../core/errors.js";
import { gsUrl, parseGsFolder } from "../core/gs-url.js";
import { enumerateSlices } from "../core/pipeline/enumerate.js";
import type { ObjectStore } from "../core/ports.js";
import { calibrate, CALIBRATION_STACK } from "./plan-calibrate.js";
import { parseFlags, UsageError } from "./usage-error.js";

export interface PlanCommand {
  command: "plan";
  /** A slices folder or gs://bucket/prefix; absent with --calibrate alone. */
  slices?: string;
  configFile?: string;
  pricesFile?: string;
  calibrationFile: string;
  calibrate: boolean;
  calibrateCount: number;
  calibrateSize: number;
  instances: number;
  json: boolean;
}

export const PLAN_USAGE = `  emingest plan <slices-dir | gs://bucket/prefix> [--config FILE] [--prices FILE] [--instances N]
               [--calibration FILE] [--calibrate [--calibrate-count N --calibrate-size S]] [--json]
                                                 what a run would cost: tasks, CPU, operations, dollars, wall time`;

export function defaultCalibrationFile(env: Readonly<Record<string, string | undefined>>): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(homedir(), ".config"), "emingest", "calibration.json");
}

export function parsePlan(args: readonly string[], env: Readonly<Record<string, string | undefined>>): PlanCommand {
  const parsed = parseFlags(args, {
        config: { type: "string" },
        prices: { type: "string" },
        calibration: { type: "string" },
        calibrate: { type: "boolean" },
        "calibrate-count": { type: "string" },
        "calibrate-size": { type: "string" },
        instances: { type: "string" },
        json: { type: "boolean" },
      });
  const { values, positionals } = parsed;
  const calibrateOnly = values.calibrate === true && positionals.length === 0;
  if (positionals.length !== 1 && !calibrateOnly) throw new UsageError("plan takes one slices folder or gs://bucket/prefix");
  return {
    command: "plan",
    slices: positionals[0],
    configFile: values.config,
    pricesFile: values.prices,
    calibrationFile: values.calibration ?? defaultCalibrationFile(env),
    calibrate: values.calibrate ?? false,
    calibrateCount: whole("--calibrate-count", values["calibrate-count"], CALIBRATION_STACK.count, 2, 10_000),
    calibrateSize: whole("--calibrate-size", values["calibrate-size"], CALIBRATION_STACK.size, 64, 16_384),
    instances: whole("--instances", values.instances, DEFAULT_DEPLOYMENT.instances, 1, 100_000),
    json: values.json ?? false,
  };
}

function whole(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < min || v > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return v;
}

export interface PlanOutput {
  lines: string[];
  plan?: CostPlan;
  calibration: Calibration;
}

export async function planCommand(cmd: PlanCommand, gcp: () => Promise<GcpConfig>, log: (line: string) => void = () => undefined): Promise<PlanOutput> {
  let calibration: Calibration;
  if (cmd.calibrate) {
    log(`calibrating: a local run of ${cmd.calibrateCount} sample slices of ${cmd.calibrateSize}²`);
    calibration = await calibrate({ count: cmd.calibrateCount, size: cmd.calibrateSize });
    await fs.mkdir(path.dirname(cmd.calibrationFile), { recursive: true });
    await fs.writeFile(cmd.calibrationFile, `${JSON.stringify(calibration, null, 1)}\n`);
    log(`calibration stored in ${cmd.calibrationFile}`);
  } else {
    calibration = existsSync(cmd.calibrationFile) ? parseCalibration(await readText(cmd.calibrationFile), cmd.calibrationFile) : DEFAULT_CALIBRATION;
  }
  const prices = cmd.pricesFile === undefined ? LIST_PRICES : parsePrices(await readText(cmd.pricesFile), cmd.pricesFile);
  if (cmd.slices === undefined) return { lines: [`calibration ${cmd.calibrationFile}: ${JSON.stringify(calibration)}`], calibration };
  const { source, where, config } = await openSlices(cmd.slices, cmd.configFile, gcp);
  const manifest = await enumerateSlices(source, config, where);
  const plan = costPlan(stackWork(manifest), calibration, prices, { ...DEFAULT_DEPLOYMENT, instances: cmd.instances });
  return { lines: formatPlan(plan, where), plan, calibration };
}

async function openSlices(arg: string, configFile: string | undefined, gcp: () => Promise<GcpConfig>): Promise<{ source: ObjectStore; where: string; config: ReturnType<typeof parseIngestConfig> }> {
  let source: ObjectStore;
  let where: string;
  let bucketConfig: (() => Promise<Uint8Array | undefined>) | undefined;
  if (arg.startsWith("gs://")) {
    const folder = parseGsFolder(arg, "plan");
    const store = await gcsStoreAt(await gcp(), folder);
    source = store;
    where = gsUrl(folder.bucket, folder.prefix);
    bucketConfig = () => store.get(CONFIG_FILE);
  } else {
    const stat = await fs.stat(arg).catch(() => undefined);
    if (!stat) throw new PermanentError(`${arg}: no such folder`);
    if (!stat.isDirectory()) throw new PermanentError(`${arg}: is not a folder`);
    source = new FileStore(path.resolve(arg));
    where = arg.replace(/\/+$/, "");
    const file = path.join(arg, CONFIG_FILE);
    bucketConfig = async () => (existsSync(file) ? new TextEncoder().encode(await readText(file)) : undefined);
  }
  let text: string | undefined;
  let named = configFile ?? `${where}/${CONFIG_FILE}`;
  if (configFile !== undefined) text = await readText(configFile);
  else {
    const bytes = await bucketConfig();
    text = bytes && new TextDecoder().decode(bytes);
    if (text === undefined) named = "the defaults";
  }
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new PermanentError(`${named}: not valid JSON (${(error as Error).message})`);
    }
  }
  return { source, where, config: parseIngestConfig(raw, named) };
}

/** A regular file's text (a FIFO or device is refused by name, as run does); a missing one named. */
async function readText(file: string): Promise<string> {
  const handle = await openRegular(file);
  if (!handle) throw new PermanentError(`${file}: no such file`);
  return handle.readFile("utf8").finally(() => handle.close());
}
