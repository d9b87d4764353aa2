// An ObjectStore on a Map, for tests that run the pipeline in one process (the way tensorstore tests run
// against its memory kvstore). Test support, not a production adapter: it holds what it is given in memory.
// It keeps the port's contract (test/support/store-contracts.ts): missing is undefined, keys are plain
// relative paths, list is sorted, every put is a new version, and bytes are copied in and out, so a caller
// that reuses a buffer cannot change what was stored.
import { plainKey } from "../../core/object-key.js";
import type { ObjectStore, PutOptions, VersionedBytes } from "../../core/ports.js";

export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, { bytes: Uint8Array; version: number; options?: PutOptions }>();
  private writes = 0;

  async get(key: string): Promise<Uint8Array | undefined> {
    const object = this.objects.get(plainKey(key));
    return object && object.bytes.slice();
  }

  async getVersioned(key: string): Promise<VersionedBytes | undefined> {
    const object = this.objects.get(plainKey(key));
    return object && { bytes: object.bytes.slice(), version: String(object.version) };
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const object = this.objects.get(plainKey(key));
    return object && object.bytes.slice(offset, offset + Math.max(0, length));
  }

  async put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    this.objects.set(plainKey(key), { bytes: bytes.slice(), version: ++this.writes, options });
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async listVersions(prefix: string): Promise<Map<string, string>> {
    return new Map((await this.list(prefix)).map((k) => [k, String(this.objects.get(k)?.version)]));
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(plainKey(key));
  }

  /** Every key and its bytes, sorted by key: what a test compares whole. */
  snapshot(): Map<string, Uint8Array> {
    return new Map([...this.objects.keys()].sort().map((k) => [k, this.objects.get(k)!.bytes.slice()]));
  }

  /** The options the key was last put with. */
  putOptions(key: string): PutOptions | undefined {
    return this.objects.get(key)?.options;
  }
}
