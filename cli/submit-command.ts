// `emingest submit <folder> gs://bucket/prefix`: uploads a folder's slices and then its ingest.json to a
// bucket. The config is validated here first, and uploaded last: its upload is what starts the run.
// The folder is read exactly as `emingest run` reads it (FileStore.list and orderSlices): the same entries
// are slices (symbolic links to regular files followed, FIFOs and devices refused by name), in the same
// order, so a folder means one stack locally and in the cloud. Only those slices are uploaded.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { GcpConfig } from "../adapters/gcp/clients.js";
import { FileStore, openRegular } from "../adapters/local/file-store.js";
import { gcsStoreAt } from "./cloud-store.js";
import { CONFIG_FILE, parseIngestConfig } from "../core/config.js";
import { parseGsFolder } from "../core/gs-url.js";
import { PermanentError } from "../core/errors.js";
import { orderSlices } from "../core/slices/listing.js";
import { mapLimit } from "../core/util/map-limit.js";
import { parseFlags, UsageError } from "./usage-error.js";

export interface SubmitCommand {
  command: "submit";
  folder: string;
  target: string;
  configFile?: string;
  concurrency: number;
}

export const SUBMIT_USAGE = `  emingest submit <slices-dir> gs://bucket/prefix [--config FILE]
                                                 upload slices, then ingest.json (which starts the run)`;

export function parseSubmit(args: readonly string[]): SubmitCommand {
  const parsed = parseFlags(args, { config: { type: "string" }, concurrency: { type: "string" } });
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError("submit takes a slices folder and a gs://bucket/prefix");
  if (!positionals[1].startsWith("gs://")) throw new UsageError(`submit: "${positionals[1]}" is not a gs://bucket/prefix URL`);
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number >= 1`);
  return { command: "submit", folder: positionals[0], target: positionals[1], configFile: values.config, concurrency };
}

export interface SubmitResult {
  target: string;
  slices: number;
  bytes: number;
}

export async function submitCommand(cmd: SubmitCommand, gcp: GcpConfig, log: (line: string) => void = () => undefined): Promise<SubmitResult> {
  const target = parseGsFolder(cmd.target, "submit");
  const folder = await fs.stat(cmd.folder).catch(() => undefined);
  if (!folder) throw new PermanentError(`${cmd.folder}: no such folder`);
  if (!folder.isDirectory()) throw new PermanentError(`${cmd.folder}: is not a folder`);
  const configFile = cmd.configFile ?? path.join(cmd.folder, CONFIG_FILE);
  const handle = await openRegular(configFile);
  if (!handle) throw new PermanentError(`${configFile}: not found; submit needs an ${CONFIG_FILE} (or --config FILE)`);
  const configText = await handle.readFile("utf8").finally(() => handle.close());
  let raw: unknown;
  try {
    raw = JSON.parse(configText);
  } catch (error) {
    throw new PermanentError(`${configFile}: not valid JSON (${(error as Error).message})`);
  }
  const config = parseIngestConfig(raw, configFile);
  const local = new FileStore(cmd.folder);
  const where = cmd.folder.replace(/\/+$/, "");
  const names = orderSlices(await local.list(""), config, where).map((s) => s.key);
  const store = await gcsStoreAt(gcp, target);
  let bytes = 0;
  let sent = 0;
  await mapLimit(names, cmd.concurrency, async (name) => {
    const data = await local.get(name);
    if (!data) throw new PermanentError(`${where}/${name}: vanished while submitting`);
    await store.put(name, data);
    bytes += data.length;
    sent += 1;
    if (sent % 50 === 0 || sent === names.length) log(`uploaded ${sent}/${names.length} slices`);
  });
  await store.put(CONFIG_FILE, new TextEncoder().encode(configText), { contentType: "application/json" });
  log(`uploaded ${CONFIG_FILE}: the run starts now (${store.url}/${CONFIG_FILE})`);
  return { target: store.url, slices: names.length, bytes };
}
