// Which settings a reexport (`emingest reexport`) may change. A reexport renders the slices again with a
// finished run's stored transforms, so it may change only what happens after the alignment: contrast (CLAHE),
// the encodings, the volumes written, their placement and the cube of a pyramid task. Every other setting
// decides which slices are read, how their pixels are decoded or how they are aligned; changing one needs
// a fresh run, and the reexport refuses it by name instead of pairing new settings with an old alignment.
import { parseIngestConfig, type IngestConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import type { RunManifest } from "./manifest.js";
import { runId } from "./manifest.js";

/** The config fields a reexport may change (every other field, and every field of "align", must stay). */
export const OUTPUT_SETTINGS = ["claheClip", "claheTiles", "raw", "rawEncoding", "zarr", "jpegQuality", "xyOrigin", "cube"] as const;

/**
 * The config of the reexport: the finished run's, with `overrides` (config fields, as `emingest run` takes
 * them) applied and parsed again. `where` names the overrides in errors. Throws a PermanentError naming the
 * first alignment or input setting that would change.
 */
export function reexportConfig(previous: IngestConfig, overrides: Record<string, unknown>, where: string): IngestConfig {
  const raw: Record<string, unknown> = { ...previous, ...overrides };
  if (isObject(overrides.align)) raw.align = { ...previous.align, ...overrides.align };
  const config = parseIngestConfig(raw, where);
  const output = new Set<string>(OUTPUT_SETTINGS);
  for (const field of Object.keys(config) as Array<keyof IngestConfig>) {
    if (output.has(field)) continue;
    if (field === "align") {
      for (const sub of Object.keys(config.align) as Array<keyof IngestConfig["align"]>) {
        refuseChange(`align.${sub}`, previous.align[sub], config.align[sub], where);
      }
      continue;
    }
    refuseChange(field, previous[field], config[field], where);
  }
  return config;
}

function refuseChange(name: string, before: unknown, after: unknown, where: string): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  throw new PermanentError(
    `${where}: "${name}" is an alignment or input setting (${show(before)} -> ${show(after)}); a reexport keeps the stored alignment, so only ${OUTPUT_SETTINGS.join(", ")} may change: run \`emingest run\` into a new folder to change it`,
  );
}

/**
 * The manifest a fresh run with `config` over the same slices has: the finished run's, with the new config
 * and the run id that config gives (the slice listing, sizes and 16-bit window depend on input settings
 * only, which reexportConfig keeps). Field order is the enumerate step's, so the bytes are a fresh run's.
 */
export function reexportManifest(previous: RunManifest, config: IngestConfig): RunManifest {
  return { ...previous, run: runId(config, previous.slices, previous.sourceWidth, previous.sourceHeight), config };
}

function show(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
