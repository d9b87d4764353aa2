// ObjectStore over a prefix of a GCS bucket (@google-cloud/storage). Same contract as the local FileStore:
// missing is undefined, keys are plain relative paths, list is sorted. Large objects go up as resumable
// uploads; reads are one plain GET each (gcs-media.ts: every announced byte arrives, or the read is
// retried). Retries on 429/5xx and network errors come from the client's retry policy, which storage-clients.ts
// sets to "retry always": every write here is a pure function of its task, so repeating it is harmless.
import type { Bucket } from "@google-cloud/storage";
import { gsUrl } from "../../core/gs-url.js";
import { isPlainKey, plainKey } from "../../core/object-key.js";
import { RetryableError } from "../../core/errors.js";
import type { ObjectStore, PutOptions, VersionedBytes } from "../../core/ports.js";
import { readMedia, readObject } from "./gcs-media.js";

/** Objects at least this large are uploaded resumably (GCS recommends it above ~8 MiB). */
export const RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

export interface GcsStoreOptions {
  /** Folder inside the bucket, "" or ending in "/". */
  prefix?: string;
  resumableThreshold?: number;
  /**
   * How objects are read: "plain-get" (default: gcs-media.ts, one GET, every announced byte checked) or
   * "client" (the storage client's download(), which the fiji jobs' BucketIO keeps, with its error shapes).
   */
  reads?: "plain-get" | "client";
}

export class GcsStore implements ObjectStore {
  readonly prefix: string;
  private readonly resumableThreshold: number;
  private readonly reads: "plain-get" | "client";

  constructor(
    readonly bucket: Bucket,
    options: GcsStoreOptions = {},
  ) {
    const prefix = options.prefix ?? "";
    if (prefix !== "" && (!prefix.endsWith("/") || !isPlainKey(prefix.slice(0, -1)))) {
      throw new RangeError(`bucket prefix "${prefix}" must be a plain relative folder ending in "/"`);
    }
    this.prefix = prefix;
    this.resumableThreshold = options.resumableThreshold ?? RESUMABLE_THRESHOLD;
    this.reads = options.reads ?? "plain-get";
  }

  /** "gs://bucket/prefix" for messages. */
  get url(): string {
    return gsUrl(this.bucket.name, this.prefix);
  }

  private name(key: string): string {
    return this.prefix + plainKey(key);
  }

  /** The stored bytes (no transcoding of gzip content-encoding), in one GET (gcs-media.ts). */
  // async: a key that is not a plain path (RangeError from plainKey) rejects, as every store's get does.
  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.reads === "client") return this.download(this.name(key));
    return readObject(this.bucket.storage, this.bucket.name, this.name(key));
  }

  /**
   * One download, and the generation GCS answered it with (x-goog-generation: the generation of the bytes
   * sent, the same token listVersions gives), so a reader can tell which version it read.
   */
  // Always the plain GET, whatever `reads` says: the generation is the response's header.
  async getVersioned(key: string): Promise<VersionedBytes | undefined> {
    const name = this.name(key);
    const read = await readMedia(this.bucket.storage, this.bucket.name, name);
    if (!read) return undefined;
    if (!read.generation) throw new RetryableError(`${gsUrl(this.bucket.name, name)}: the download did not say its generation`);
    return { bytes: read.bytes, version: read.generation };
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const name = this.name(key);
    if (length <= 0) {
      const [exists] = await this.bucket.file(name).exists();
      return exists ? new Uint8Array(0) : undefined;
    }
    if (this.reads === "client") return this.download(name, { start: offset, end: offset + length - 1 });
    return readObject(this.bucket.storage, this.bucket.name, name, { offset, length });
  }

  /** The client's download: decompress: false returns the stored bytes even for gzip content-encoding. */
  private async download(name: string, range?: { start: number; end: number }): Promise<Uint8Array | undefined> {
    try {
      const [data] = await this.bucket.file(name).download({ ...range, decompress: false, validation: false });
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (error) {
      const status = (error as { code?: unknown })?.code;
      if (status === 404) return undefined;
      // 416: the range starts at or past the end (an empty object, or offset >= size).
      if (status === 416 && range) return new Uint8Array(0);
      throw error;
    }
  }

  async put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.bucket.file(this.name(key)).save(body, {
      resumable: bytes.byteLength >= this.resumableThreshold,
      contentType: options?.contentType ?? "application/octet-stream",
      metadata: options?.contentEncoding ? { contentEncoding: options.contentEncoding } : undefined,
      validation: false,
    });
  }

  async list(prefix: string): Promise<string[]> {
    const [files] = await this.bucket.getFiles({ prefix: this.prefix + prefix, autoPaginate: true });
    return files.map((f) => f.name.slice(this.prefix.length)).sort();
  }

  async listVersions(prefix: string): Promise<Map<string, string>> {
    const [files] = await this.bucket.getFiles({ prefix: this.prefix + prefix, autoPaginate: true });
    const named = files.map((f) => [f.name.slice(this.prefix.length), String(f.metadata.generation ?? "")] as const);
    return new Map(named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  async delete(key: string): Promise<void> {
    await this.bucket.file(this.name(key)).delete({ ignoreNotFound: true });
  }
}
