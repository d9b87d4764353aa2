// gs:// URLs, one grammar and one formatter for every place that reads or writes one: a run's source folder
// (the workflow's start step, `emingest submit`), a fiji job's input and output objects (core/fiji/gs-url.ts),
// the names in messages. A URL is gs://BUCKET[/NAME]: the bucket named by Google's rules, the name a plain
// relative path (core/object-key.ts), never reaching outside its bucket.
import { PermanentError } from "./errors.js";
import { isPlainKey } from "./object-key.js";

/** A folder of a bucket: prefix "" (the bucket's root) or ending in "/". */
export interface BucketFolder {
  bucket: string;
  prefix: string;
}

// https://cloud.google.com/storage/docs/buckets#naming (dotted names up to 222 characters, no "..").
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export function isBucketName(name: string): boolean {
  return BUCKET.test(name) && !name.includes("..");
}

/** The bucket and what follows it (undefined: no "/" after the bucket), or undefined when it is not a gs:// URL. */
export function splitGsUrl(url: string): { bucket: string; rest: string | undefined } | undefined {
  const m = /^gs:\/\/([^/]*)(?:\/(.*))?$/s.exec(url);
  return m ? { bucket: m[1], rest: m[2] } : undefined;
}

/** gs://bucket[/folder[/]] as a bucket and a folder prefix; a PermanentError naming `what` otherwise. */
export function parseGsFolder(url: string, what: string): BucketFolder {
  const parts = splitGsUrl(url);
  // A folder name is one line: a line break in it is not a URL anyone typed.
  if (!parts || !isBucketName(parts.bucket) || /[\n\r\u2028\u2029]/.test(parts.rest ?? "")) {
    throw new PermanentError(`${what}: "${url}" is not a gs://bucket/folder URL`);
  }
  const folder = (parts.rest ?? "").replace(/\/+$/, "");
  if (folder !== "" && !isPlainKey(folder)) throw new PermanentError(`${what}: "${url}" has an empty, "." or ".." folder name`);
  return { bucket: parts.bucket, prefix: folder === "" ? "" : `${folder}/` };
}

/** "gs://bucket" or "gs://bucket/name" (an object, or a folder without its last "/"). */
export function gsUrl(bucket: string, name = ""): string {
  const path = name.replace(/\/$/, "");
  return path === "" ? `gs://${bucket}` : `gs://${bucket}/${path}`;
}
