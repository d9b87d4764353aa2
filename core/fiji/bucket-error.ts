// A bucket named by a job that does not exist, or that this service may not use: no redelivery can fix
// either (a person must fix the request or the IAM grant), so both are permanent (HOUSE-STYLE.md rule 7).
// BucketIO adapters translate their client's errors into this one type; whatever they leave unclassified
// (429, 5xx, a reset connection) stays retryable in the job.
import { PermanentError } from "../errors.js";
import { gsUrl, type GsRef } from "./gs-url.js";

export type BucketFault = "bucket-not-found" | "bucket-forbidden";

export class BucketAccessError extends PermanentError {
  constructor(
    readonly ref: GsRef,
    readonly fault: BucketFault,
    readonly operation: "read" | "write",
    /** The store's own words (status, reason), kept for whoever fixes the grant. */
    detail = "",
    options?: { cause?: unknown },
  ) {
    const why = fault === "bucket-not-found" ? "does not exist" : "is not accessible to this service (permission denied)";
    super(`${operation === "read" ? "reading" : "writing"} ${gsUrl(ref)}: bucket "${ref.bucket}" ${why}${detail ? ` (${detail})` : ""}`, options);
  }
}
