// The run manifest: config, ordered slices and their common size. Written once by enumerate, before any
// fan-out; every task reads it (HOUSE-STYLE.md rule 5: write metadata once, then fan out).
import { createHash } from "node:crypto";
import type { IngestConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import type { ObjectStore } from "../ports.js";
import type { SliceRef } from "../slices/listing.js";
import { keys } from "./keys.js";

export interface RunManifest {
  run: string;
  config: IngestConfig;
  slices: SliceRef[];
  /** Size of every slice after the config's downsampling. */
  width: number;
  height: number;
  /** Size as stored. */
  sourceWidth: number;
  sourceHeight: number;
  depth: 8 | 16;
  /** 16-bit input with config.window16Scope "stack": the stack's window [lo, hi] in 16-bit values. */
  window16Bounds?: [number, number];
}

/** A run id is a pure function of what it computes from: the config and the slice listing. */
export function runId(config: IngestConfig, slices: readonly SliceRef[], sourceWidth: number, sourceHeight: number): string {
  const hash = createHash("sha256")
    .update(JSON.stringify({ config, slices, sourceWidth, sourceHeight }))
    .digest("hex");
  return `run-${hash.slice(0, 12)}`;
}

/** The shape of every id `runId` makes: what a step call or a task may name as its run. */
export const RUN_ID = /^run-[0-9a-f]{12}$/;

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, new TextEncoder().encode(`${JSON.stringify(value, null, 1)}\n`), { contentType: "application/json" });
}

export async function readJson<T>(store: ObjectStore, key: string, what: string): Promise<T> {
  const bytes = await store.get(key);
  if (!bytes) throw new PermanentError(`${key} is missing: ${what}`);
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

export function readManifest(out: ObjectStore): Promise<RunManifest> {
  return readJson<RunManifest>(out, keys.manifest, "the run was not enumerated");
}

/** Slice ref for z, or a PermanentError naming the z that is not in the run. */
export function sliceAt(manifest: RunManifest, z: number): SliceRef {
  const first = manifest.slices[0].z;
  const slice = manifest.slices[z - first];
  if (!slice || slice.z !== z) throw new PermanentError(`slice ${z} is not in run ${manifest.run}`);
  return slice;
}
