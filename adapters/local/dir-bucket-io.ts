// The fiji job's BucketIO on one machine: gs://BUCKET/OBJECT is the file ROOT/BUCKET/OBJECT (a FileStore per
// bucket), so batch jobs run locally with the same request JSON as in the cloud. As in GCS, a bucket is a
// folder that must already exist (a write never creates it), and an unreadable one is forbidden, not transient.
import { promises as fs } from "node:fs";
import path from "node:path";
import { errorMessage } from "../../core/errors.js";
import { BucketAccessError, type BucketFault } from "../../core/fiji/bucket-error.js";
import type { BucketIO } from "../../core/fiji/job.js";
import type { GsRef } from "../../core/fiji/gs-url.js";
import { FileStore } from "./file-store.js";

export function dirBucketIO(root: string): BucketIO {
  const store = (bucket: string) => new FileStore(path.join(root, bucket));
  return {
    async get(ref: GsRef) {
      const bytes = await classified(ref, "read", () => store(ref.bucket).get(ref.object));
      if (bytes === undefined) await requireBucket(root, ref, "read");
      return bytes;
    },
    async put(ref: GsRef, bytes: Uint8Array, contentType: string) {
      // FileStore.put creates every missing folder, the bucket's own included.
      await requireBucket(root, ref, "write");
      await classified(ref, "write", () => store(ref.bucket).put(ref.object, bytes, { contentType }));
    },
    // The bucket folder exists and is a folder; whether this process may write in it shows only at the upload.
    probe: (ref: GsRef) => requireBucket(root, ref, "write"),
  };
}

async function requireBucket(root: string, ref: GsRef, operation: "read" | "write"): Promise<void> {
  const dir = path.join(root, ref.bucket);
  let isDir: boolean;
  try {
    isDir = (await fs.stat(dir)).isDirectory();
  } catch (error) {
    const fault = errnoFault(error, true);
    if (fault) throw new BucketAccessError(ref, fault, operation, errorMessage(error), { cause: error });
    throw error;
  }
  if (!isDir) throw new BucketAccessError(ref, "bucket-not-found", operation, `${dir} is not a folder`);
}

async function classified<T>(ref: GsRef, operation: "read" | "write", step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const fault = errnoFault(error, false);
    throw fault ? new BucketAccessError(ref, fault, operation, errorMessage(error), { cause: error }) : error;
  }
}

/** EACCES/EPERM are a missing grant; ENOENT/ENOTDIR are a missing bucket only when the bucket folder itself was asked for. */
export function errnoFault(error: unknown, bucketFolder: boolean): BucketFault | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "EACCES" || code === "EPERM") return "bucket-forbidden";
  if (bucketFolder && (code === "ENOENT" || code === "ENOTDIR")) return "bucket-not-found";
  return undefined;
}
