// Object bytes from GCS in one plain GET of the JSON API's media URL (http-get.ts: kept-alive sockets, the
// body copied once), for GcsStore's get, getVersioned and getRange. Why not the client's download(): its
// request and stream stack costs this process ~1 CPU-ms per request and ~1 CPU-s per GB more than a plain
// GET of the same bytes (BENCHMARKS.md "The orchestration overhead", 2026-12-01 evening), and a pyramid task
// makes one ranged get per slice it spans.
// What stays the client's: the endpoint, the credentials (authorizeRequest, refreshed as it refreshes them;
// none for an emulator endpoint, as the client does), the retry policy's numbers (storage.retryOptions).
// Invariants: the bytes returned are the stored bytes (Accept-Encoding: gzip, no transcoding, as
// download({decompress: false})); every byte the response announced arrived (Content-Length, and for a
// range the Content-Range's first and last byte) or the read fails and is retried like a reset connection;
// a missing object is undefined; an error status is thrown as GcsHttpError with GCS's own code, message
// and reasons, so failure-kind.ts and gcs-bucket-io.ts classify it as they classify the client's ApiError.
import type { Storage } from "@google-cloud/storage";
import { httpGet } from "./http-get.js";

export class GcsHttpError extends Error {
  override readonly name = "GcsHttpError";
  constructor(
    readonly code: number,
    message: string,
    readonly errors: ReadonlyArray<{ reason?: string; message?: string }> = [],
  ) {
    super(message);
  }
}

/** A response that ended before the bytes it announced: retried like a reset connection. */
class ShortReadError extends Error {
  override readonly name = "ShortReadError";
}

export interface ByteRange {
  offset: number;
  /** > 0 */
  length: number;
}

/** The stored bytes of gs://bucket/name (a range of them), or undefined when the object is missing. */
export async function readObject(storage: Storage, bucket: string, name: string, range?: ByteRange): Promise<Uint8Array | undefined> {
  return (await readMedia(storage, bucket, name, range))?.bytes;
}

/** The bytes and the generation GCS answered them with (x-goog-generation; undefined if it sent none). */
export interface MediaBytes {
  bytes: Uint8Array;
  generation: string | undefined;
}

/** As readObject, with the generation of the bytes sent (the token listVersions gives). */
export async function readMedia(storage: Storage, bucket: string, name: string, range?: ByteRange): Promise<MediaBytes | undefined> {
  const url = `${storage.apiEndpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}?alt=media`;
  const policy = storage.retryOptions;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await getOnce(storage, url, range);
    } catch (error) {
      const delayS = Math.min((policy.retryDelayMultiplier ?? 2) ** attempt + Math.random(), policy.maxRetryDelay ?? 64);
      const inTime = Date.now() - started + delayS * 1000 < (policy.totalTimeout ?? 600) * 1000;
      if (!policy.autoRetry || attempt >= (policy.maxRetries ?? 3) || !inTime || !retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayS * 1000));
    }
  }
}

/** What the client's retry policy retries on a read: 408, 429, 5xx, rate-limit 403s, resets and short reads. */
function retryable(error: unknown): boolean {
  if (error instanceof GcsHttpError) {
    return error.code === 408 || error.code === 429 || error.code >= 500 || (error.code === 403 && error.errors.some((e) => /ratelimit/i.test(e.reason ?? "")));
  }
  return error instanceof ShortReadError || typeof (error as NodeJS.ErrnoException)?.code === "string";
}

async function getOnce(storage: Storage, url: string, range: ByteRange | undefined): Promise<MediaBytes | undefined> {
  const headers: Record<string, string> = { "Accept-Encoding": "gzip", "Cache-Control": "no-store" };
  if (range) headers.Range = `bytes=${range.offset}-${range.offset + range.length - 1}`;
  // The client's own rule: an emulator endpoint gets no credentials unless asked to.
  const authorized = storage.customEndpoint && !storage.useAuthWithCustomEndpoint ? headers : (await storage.authClient.authorizeRequest({ url, headers })).headers;
  // A connection that stalls fails the attempt (ETIMEDOUT: retried), as the client's request timeout does.
  const res = await httpGet(new URL(url), { headers: authorized as Record<string, string>, timeoutMs: 60_000 });
  if (res.status === 404) return undefined;
  const generation = res.headers["x-goog-generation"];
  // The range starts at or past the end (an empty object, or offset >= size).
  if (res.status === 416 && range) return { bytes: new Uint8Array(0), generation };
  if (res.status !== 200 && res.status !== 206) throw statusError(res.status, res.body);
  const body = res.body;
  if (!range) return { bytes: body, generation };
  if (res.status === 200) return { bytes: body.subarray(range.offset, range.offset + range.length), generation };
  const m = /^bytes (\d+)-(\d+)\//.exec(res.headers["content-range"] ?? "");
  if (!m || Number(m[1]) !== range.offset || Number(m[2]) - Number(m[1]) + 1 !== body.byteLength) {
    throw new ShortReadError(`${url}: asked bytes ${range.offset}+${range.length}, got ${body.byteLength} as "${res.headers["content-range"]}"`);
  }
  return { bytes: body, generation };
}

/** GCS's JSON error body ({error: {code, message, errors: [{reason}]}}) as a GcsHttpError; the status alone if it is not one. */
function statusError(status: number, body: Uint8Array): GcsHttpError {
  const text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 65536)).toString("utf8");
  try {
    const e = (JSON.parse(text) as { error?: { message?: string; errors?: Array<{ reason?: string; message?: string }> } }).error;
    if (e) return new GcsHttpError(status, e.message ?? `HTTP ${status}`, e.errors ?? []);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return new GcsHttpError(status, text.trim().slice(0, 500) || `HTTP ${status}`);
}
