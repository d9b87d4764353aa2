// One fiji job: fetch inputs into a fresh scratch directory, probe the output buckets, run the command there,
// upload every mapped output that exists, and remove the scratch directory whatever happens. I/O goes through
// two ports, so the order of effects and the failure rules are pure and tested without a process or a bucket:
//  - a missing input object is the request's fault (FijiInputError, permanent: 422 / recorded failure);
//  - so is a bucket that is missing or forbidden, on input or output (FijiBucketError, from the adapter's
//    BucketAccessError): retrying cannot create the bucket or the grant. Output buckets are probed for
//    existence before the command runs, so such a job fails in seconds instead of after its whole run;
//  - any other store or sandbox fault is infrastructure (RetryableError: 503 / Pub/Sub retry);
//  - a command that fails (non-zero exit, timeout, error text) is the job's outcome, returned as data; so is
//    an output the sandbox refuses to read (not a regular file of the job's own, over the size limit): the
//    same command on the same input would leave it again, so neither is ever retried.
import { PermanentError, RetryableError, errorMessage } from "../errors.js";
import { BucketAccessError, type BucketFault } from "./bucket-error.js";
import { gsUrl, type GsRef } from "./gs-url.js";
import type { FijiRequest } from "./request.js";

/**
 * Objects by bucket and name (GCS in the service, directories locally). A missing object is undefined; a
 * missing or forbidden bucket throws BucketAccessError (a write never creates a bucket); anything else thrown
 * is taken as transient.
 */
export interface BucketIO {
  get(ref: GsRef): Promise<Uint8Array | undefined>;
  put(ref: GsRef, bytes: Uint8Array, contentType: string): Promise<void>;
  /**
   * The cheap check before `put(ref)`: resolves when the bucket exists and this service may list it, throws
   * BucketAccessError (operation "write") when it is missing or forbidden. Listable is not writable: only
   * the upload proves the write grant, so `put` keeps classifying its own faults.
   */
  probe(ref: GsRef): Promise<void>;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

/** A scratch directory and a process run inside it (adapters/process/fiji-sandbox.ts). */
export interface Sandbox {
  create(): Promise<ScratchDir>;
}

/** What the command left under a mapped output name. */
export type ScratchFile =
  | { kind: "file"; bytes: Uint8Array }
  | { kind: "missing" }
  /** Something is there, but it is not uploaded: `reason` says why ("is a symbolic link", "is 5 GiB, over ..."). */
  | { kind: "refused"; reason: string };

export interface ScratchDir {
  readonly path: string;
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** A regular file's bytes, read from the scratch folder made for this job and never through a symbolic link. */
  read(name: string): Promise<ScratchFile>;
  exec(argv: readonly string[]): Promise<ExecResult>;
  remove(): Promise<void>;
}

export interface FijiJobDeps {
  io: BucketIO;
  sandbox: Sandbox;
  /** Integer box downsampling of an encoded image, written back in the same format. */
  downsample(bytes: Uint8Array, fileName: string, factor: number, label: string): Promise<Uint8Array>;
  clock?: () => number;
}

/** The command's ExecResult, plus what the job made of it. */
export interface FijiJobResult extends ExecResult {
  /** exitCode 0, not timed out, and every mapped output produced and accepted. */
  ok: boolean;
  /** Mapped outputs uploaded: file name -> { url, bytes }. */
  outputs: Record<string, { url: string; bytes: number }>;
  /** Mapped outputs the command did not produce (not uploaded). */
  missingOutputs: string[];
  /** Mapped outputs that exist but were refused (not uploaded): file name -> why. */
  refusedOutputs: Record<string, string>;
  durationMs: number;
}

/** An input object that does not exist, or cannot be decoded for downsampling: the request's fault. */
export class FijiInputError extends PermanentError {
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** A bucket of an input-map or output-map entry is missing or forbidden; `field` names the entry. */
export class FijiBucketError extends PermanentError {
  readonly ref: GsRef;
  readonly fault: BucketFault;
  constructor(
    readonly field: string,
    cause: BucketAccessError,
  ) {
    super(`${field}: ${cause.message}`, { cause });
    this.ref = cause.ref;
    this.fault = cause.fault;
  }
}

export async function runFijiJob(request: FijiRequest, deps: FijiJobDeps): Promise<FijiJobResult> {
  const clock = deps.clock ?? Date.now;
  const started = clock();
  const scratch = await infra("creating the scratch directory", () => deps.sandbox.create());
  try {
    for (const { name, content } of request.inputStr) {
      await infra(`writing ${name}`, () => scratch.write(name, new TextEncoder().encode(content)));
    }
    for (const { name, ref } of request.inputMap) {
      const field = `input-map.${name}`;
      const bytes = await infra(`reading ${gsUrl(ref)}`, () => deps.io.get(ref), field);
      if (bytes === undefined) throw new FijiInputError(field, `${gsUrl(ref)} does not exist`);
      let data = bytes;
      if (ref.downsample > 1) {
        try {
          data = await deps.downsample(bytes, name, ref.downsample, gsUrl(ref));
        } catch (error) {
          if (error instanceof PermanentError) throw new FijiInputError(field, errorMessage(error), { cause: error });
          throw error;
        }
      }
      await infra(`writing ${name}`, () => scratch.write(name, data));
    }
    // After the inputs (an input's fault is reported first) and right before the command: a bad output bucket
    // would otherwise surface only at upload, after the command's whole run. The upload still classifies its
    // own faults, since a bucket can go away or lose its grant while the command runs.
    for (const { name, ref } of firstPerBucket(request.outputMap)) {
      await infra(`checking the bucket of ${gsUrl(ref)}`, () => deps.io.probe(ref), `output-map.${name}`);
    }
    const run = await infra("running the command", () => scratch.exec(request.argv));
    const outputs: FijiJobResult["outputs"] = {};
    const missingOutputs: string[] = [];
    const refusedOutputs: Record<string, string> = {};
    for (const { name, ref } of request.outputMap) {
      const file = await infra(`reading output ${name}`, () => scratch.read(name));
      if (file.kind === "missing") {
        missingOutputs.push(name);
        continue;
      }
      if (file.kind === "refused") {
        refusedOutputs[name] = file.reason;
        continue;
      }
      const { bytes } = file;
      await infra(`uploading ${name} to ${gsUrl(ref)}`, () => deps.io.put(ref, bytes, contentTypeOf(name)), `output-map.${name}`);
      outputs[name] = { url: gsUrl(ref), bytes: bytes.byteLength };
    }
    const ok = run.exitCode === 0 && !run.timedOut && missingOutputs.length === 0 && Object.keys(refusedOutputs).length === 0;
    return { ok, ...run, outputs, missingOutputs, refusedOutputs, durationMs: clock() - started };
  } finally {
    await scratch.remove();
  }
}

/**
 * Runs an infrastructure step; anything it throws that is not already classified is retryable. A bucket
 * fault of a step that serves a map entry (`field`) is reported against that entry.
 */
async function infra<T>(what: string, step: () => Promise<T>, field?: string): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (field !== undefined && error instanceof BucketAccessError) throw new FijiBucketError(field, error);
    if (error instanceof PermanentError || error instanceof RetryableError) throw error;
    throw new RetryableError(`${what}: ${errorMessage(error)}`, { cause: error });
  }
}

/** The first entry of each bucket, in request order: one probe per bucket, reported against that entry. */
function firstPerBucket<T extends { ref: GsRef }>(entries: readonly T[]): T[] {
  const first = new Map<string, T>();
  for (const entry of entries) if (!first.has(entry.ref.bucket)) first.set(entry.ref.bucket, entry);
  return [...first.values()];
}

const CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  tif: "image/tiff",
  tiff: "image/tiff",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  txt: "text/plain",
  log: "text/plain",
  csv: "text/csv",
  json: "application/json",
  xml: "application/xml",
};

export function contentTypeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return (ext && CONTENT_TYPES[ext]) ?? "application/octet-stream";
}
