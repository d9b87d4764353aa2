// The fiji job's BucketIO over GCS: one GcsStore per bucket (missing = undefined, resumable uploads for large
// objects, the client's retry policy on 429/5xx). Which buckets may be named is checked when the request is
// parsed (core/fiji/request.ts); this adapter trusts its caller.
// bucketFault() is the only place a GCS error becomes permanent for a fiji job. Everything it leaves alone
// (429, 5xx, 401, resets, timeouts) is rethrown unchanged and the job retries it.
import type { Storage } from "@google-cloud/storage";
import { errorMessage } from "../../core/errors.js";
import { BucketAccessError, type BucketFault } from "../../core/fiji/bucket-error.js";
import type { BucketIO } from "../../core/fiji/job.js";
import type { GsRef } from "../../core/fiji/gs-url.js";
import { GcsStore } from "./gcs-store.js";

export type GcsOperation = "read" | "write" | "list";

export function gcsBucketIO(storage: Storage): BucketIO {
  const stores = new Map<string, GcsStore>();
  const store = (bucket: string) => {
    let s = stores.get(bucket);
    if (!s) stores.set(bucket, (s = new GcsStore(storage.bucket(bucket), { reads: "client" })));
    return s;
  };
  return {
    async get(ref: GsRef) {
      const bytes = await classified(ref, "read", () => store(ref.bucket).get(ref.object));
      if (bytes !== undefined) return bytes;
      // A read from a missing bucket can get the same bare 404 as a missing object (fake-gcs-server always
      // does). Listing tells them apart, and reader roles may list (storage.objects.list). The object is missing
      // either way, so a listing that fails for another reason leaves it at that.
      try {
        await storage.bucket(ref.bucket).getFiles({ maxResults: 1, autoPaginate: false });
      } catch (error) {
        if (bucketFault(error, "list") === "bucket-not-found") throw accessError(ref, "read", "bucket-not-found", error);
      }
      return undefined;
    },
    put: (ref: GsRef, bytes: Uint8Array, contentType: string) =>
      classified(ref, "write", () => store(ref.bucket).put(ref.object, bytes, { contentType })),
    // At most one object under the output's own name: one cheap call, whatever the bucket holds, that fails
    // 404 on a missing bucket. A 403 proves nothing about writing (objectCreator may create objects but not
    // list them), so it passes here and only the upload decides. A listing that works proves the bucket
    // exists, not that we may create objects in it: only the upload does.
    async probe(ref: GsRef) {
      const list = () => storage.bucket(ref.bucket).getFiles({ prefix: ref.object, maxResults: 1, autoPaginate: false });
      try {
        await classified(ref, "write", list, "list");
      } catch (error) {
        if (error instanceof BucketAccessError && error.fault === "bucket-forbidden") return;
        throw error;
      }
    },
  };
}

/** `operation` is what the caller is doing (for the message); `call` is the GCS request that failed, if it differs. */
async function classified<T>(ref: GsRef, operation: "read" | "write", step: () => Promise<T>, call: GcsOperation = operation): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const fault = bucketFault(error, call);
    throw fault ? accessError(ref, operation, fault, error) : error;
  }
}

function accessError(ref: GsRef, operation: "read" | "write", fault: BucketFault, error: unknown): BucketAccessError {
  const status = httpStatus(error);
  const message = firstLine(error);
  return new BucketAccessError(ref, fault, operation, [status, message].filter(Boolean).join(" "), { cause: error });
}

/**
 * The bucket fault a GCS client error means, or undefined when it is not one (the error is transient or not
 * the bucket's). 403 is a missing grant, except the rate-limit reasons the client itself retries. A 404 on a
 * write or a listing can only be the bucket (an upload creates its object; resumable sessions outlive any
 * job); on a read it is the bucket only when GCS says so, otherwise the object (the caller's `undefined`).
 */
export function bucketFault(error: unknown, operation: GcsOperation): BucketFault | undefined {
  const status = httpStatus(error);
  if (status === 403) return reasons(error).some((r) => RATE_LIMIT_REASONS.has(r)) ? undefined : "bucket-forbidden";
  if (status === 404) {
    if (operation !== "read") return "bucket-not-found";
    return /bucket does not exist/i.test(errorMessage(error)) ? "bucket-not-found" : undefined;
  }
  return undefined;
}

const RATE_LIMIT_REASONS = new Set(["ratelimitexceeded", "userratelimitexceeded"]);

/** ApiError carries the status in `code`; GaxiosError (resumable uploads) in `status` or `response.status`. */
function httpStatus(error: unknown): number | undefined {
  const e = error as { code?: unknown; status?: unknown; response?: { status?: unknown } } | null | undefined;
  for (const value of [e?.code, e?.status, e?.response?.status]) {
    if (typeof value === "number") return value;
    if (typeof value === "string" && /^[1-5][0-9][0-9]$/.test(value)) return Number(value);
  }
  return undefined;
}

function reasons(error: unknown): string[] {
  const errors = (error as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e) => String((e as { reason?: unknown } | null)?.reason ?? "").toLowerCase()).filter(Boolean);
}

function firstLine(error: unknown): string {
  return errorMessage(error).trim().split("\n")[0].slice(0, 200);
}
