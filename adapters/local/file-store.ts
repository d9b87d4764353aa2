// ObjectStore over a directory. Writes are atomic (temporary file + rename), so a killed process never
// leaves a half-written object that a rerun would trust. Keys are validated: no traversal out of the root.
import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { ObjectStore, PutOptions } from "../../core/ports.js";

const TEMP_SUFFIX = ".partial";

export class FileStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private file(key: string): string {
    if (key === "" || key.startsWith("/") || key.split("/").some((part) => part === ".." || part === "." || part === "")) {
      throw new RangeError(`object key "${key}" is not a plain relative path`);
    }
    return path.join(this.root, ...key.split("/"));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(this.file(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file(key), "r");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async put(key: string, bytes: Uint8Array, _options?: PutOptions): Promise<void> {
    const target = this.file(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
    try {
      await fs.writeFile(temp, bytes);
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error) || isNotDir(error)) return;
        throw error;
      }
      for (const entry of entries) {
        if (entry.name.startsWith(".") && entry.isDirectory()) continue;
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(dir, entry.name), key);
        } else if (entry.isFile() && !entry.name.endsWith(TEMP_SUFFIX) && key.startsWith(prefix)) {
          out.push(key);
        }
      }
    };
    await walk(this.root, "");
    return out.sort();
  }

  async listVersions(prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const key of await this.list(prefix)) {
      const stat = await fs.stat(path.join(this.root, key), { bigint: true }).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      // The inode changes on every put (temp file + rename), even within one tick of the mtime clock.
      if (stat) out.set(key, `${stat.ino}:${stat.size}:${stat.mtimeNs}`);
    }
    return out;
  }

  /**
   * Removes temporary files that a killed writer left behind (they were never renamed into place, so no
   * object is lost). Only safe while no other writer uses this folder: the local run holds a lock for that.
   */
  async removeAbandonedWrites(): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith(TEMP_SUFFIX)) {
          await fs.rm(full, { force: true });
          removed++;
        }
      }
    };
    await walk(this.root);
    return removed;
  }

  /** Deletes the object, then the folders it leaves empty (a bucket has no folders to leave behind). */
  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await fs.rm(file, { force: true });
    for (let dir = path.dirname(file); dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
      try {
        await fs.rmdir(dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return;
        throw error;
      }
    }
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}

function isNotDir(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOTDIR";
}
