// gs://bucket/object references of input-map and output-map, in the one gs:// grammar of core/gs-url.ts. An
// input may carry `?downsample=N` (integer box downsampling before the job). Object names follow the same
// plain-key rule as the ObjectStore adapters (core/object-key.ts).
import { gsUrl as formatGsUrl, isBucketName, splitGsUrl } from "../gs-url.js";
import { isPlainKey } from "../object-key.js";

export interface GsRef {
  bucket: string;
  object: string;
}

export interface InputRef extends GsRef {
  /** Integer box-downsampling factor (1 = none). */
  downsample: number;
}

export const MAX_DOWNSAMPLE = 64;

/** A parsed reference, or a string that says what is wrong. */
export function parseGsUrl(url: string, allowQuery: boolean): InputRef | string {
  if (!url.startsWith("gs://")) return `"${url}" is not a gs:// URL`;
  const q = url.indexOf("?");
  const parts = splitGsUrl(q < 0 ? url : url.slice(0, q));
  const query = q < 0 ? "" : url.slice(q + 1);
  if (!parts || parts.bucket === "" || parts.rest === undefined) return `"${url}" names no object (gs://BUCKET/OBJECT)`;
  const { bucket, rest: object } = parts;
  if (!isBucketName(bucket)) return `"${bucket}" is not a valid bucket name`;
  if (!isPlainKey(object)) return `"${object}" is not a plain object name (no empty, "." or ".." segments)`;
  let downsample = 1;
  if (query !== "") {
    if (!allowQuery) return `"${url}": an output takes no ?query`;
    for (const pair of query.split("&")) {
      const [key, value] = pair.split("=", 2);
      if (key !== "downsample") return `"${url}": unknown parameter "${key}" (only downsample=N)`;
      if (!/^[1-9][0-9]*$/.test(value ?? "") || Number(value) > MAX_DOWNSAMPLE) {
        return `"${url}": downsample must be an integer from 1 to ${MAX_DOWNSAMPLE}`;
      }
      downsample = Number(value);
    }
  }
  return { bucket, object, downsample };
}

export function gsUrl(ref: GsRef): string {
  return formatGsUrl(ref.bucket, ref.object);
}
