// Permanent or retryable, for the errors the cloud entry points see (HOUSE-STYLE.md rule 7): the core's own
// errors say which they are; a Google API error says it by its gRPC code (Firestore, Pub/Sub, Workflows) or
// its HTTP status (Cloud Storage); a bad value a store refuses (RangeError: an object key that is not a
// plain path) is the same on every attempt. Only what may pass on its own is retried: a retry of a
// deterministic failure only delays the same answer until the dead letter, and redelivers it forever
// where there is none (Eventarc).
import { PermanentError, RetryableError, type FailureKind } from "../../core/errors.js";

/**
 * gRPC status codes that no retry changes: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
 * FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED. CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
 * ABORTED, INTERNAL, UNAVAILABLE, DATA_LOSS and UNAUTHENTICATED (an expired token is refreshed) may pass.
 */
const PERMANENT_GRPC = new Set([3, 5, 6, 7, 9, 11, 12]);

/**
 * HTTP statuses that may pass: 401 (an expired token is refreshed), 408, 429. Every other 4xx is permanent,
 * except Cloud Storage's 403 rate limits (reason rateLimitExceeded, userRateLimitExceeded); every 5xx retryable.
 */
const RETRYABLE_HTTP = new Set([401, 408, 429]);

export function cloudFailureKind(error: unknown): FailureKind {
  if (error instanceof PermanentError) return "permanent";
  if (error instanceof RetryableError) return "retryable";
  if (error instanceof RangeError) return "permanent";
  const grpc = grpcCode(error);
  if (grpc !== undefined) return PERMANENT_GRPC.has(grpc) ? "permanent" : "retryable";
  const status = httpStatus(error);
  if (status !== undefined && status >= 400 && status < 500) {
    return RETRYABLE_HTTP.has(status) || (status === 403 && isRateLimit(error)) ? "retryable" : "permanent";
  }
  return "retryable";
}

function isRateLimit(error: unknown): boolean {
  const reasons = (error as { errors?: Array<{ reason?: unknown }> } | null)?.errors;
  return Array.isArray(reasons) && reasons.some((r) => typeof r?.reason === "string" && /ratelimit/i.test(r.reason));
}

/** A gRPC status (google-gax, @grpc/grpc-js): a numeric code 0..16 with string `details`. */
function grpcCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; details?: unknown } | null;
  return typeof e?.code === "number" && e.code >= 0 && e.code <= 16 && typeof e.details === "string" ? e.code : undefined;
}

/** An HTTP status: ApiError's numeric `code` (Cloud Storage), or a Gaxios response's status. */
function httpStatus(error: unknown): number | undefined {
  const e = error as { code?: unknown; status?: unknown; response?: { status?: unknown } } | null;
  for (const value of [e?.code, e?.status, e?.response?.status]) {
    if (typeof value === "number" && value >= 100 && value < 600) return value;
  }
  return undefined;
}
