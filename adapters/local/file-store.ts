// ObjectStore over a directory. Writes are atomic (temporary file + rename), so a killed process never
// leaves a half-written object that a rerun would trust. Keys are validated: no traversal out of the root.
import { constants, promises as fs, type Dirent } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PermanentError } from "../../core/errors.js";
import type { ObjectStore, PutOptions } from "../../core/ports.js";
import { folderEntry, type EntryKind } from "../../core/slices/listing.js";

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
    const handle = await openRegular(this.file(key));
    if (!handle) return undefined;
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const handle = await openRegular(this.file(key));
    if (!handle) return undefined;
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

  /**
   * Objects are regular files and symbolic links to regular files (read through the link); every other
   * entry is judged by the one folder rule (core/slices/listing.ts folderEntry), which refuses FIFOs,
   * devices, sockets, broken links and folders named like images by name, before anything opens them.
   */
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
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        const inPrefix = key.startsWith(prefix) || prefix.startsWith(`${key}/`);
        if (!inPrefix || entry.name.endsWith(TEMP_SUFFIX)) continue;
        const full = path.join(dir, entry.name);
        const verdict = folderEntry(full, entry.name, await entryKind(full, entry));
        if (verdict === "walk") await walk(full, key);
        else if (verdict === "object" && key.startsWith(prefix)) out.push(key);
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

/** lstat's answer, and for a symbolic link what it points to (stat). */
async function entryKind(full: string, entry: Dirent): Promise<EntryKind> {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "folder";
  if (entry.isFIFO()) return "fifo";
  if (entry.isSocket()) return "socket";
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return "device";
  if (!entry.isSymbolicLink()) return "other";
  let target;
  try {
    target = await fs.stat(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ELOOP" || code === "ENOTDIR") return "broken-link";
    throw error;
  }
  if (target.isFile()) return "file";
  if (target.isDirectory()) return "link-to-folder";
  if (target.isFIFO()) return "fifo";
  if (target.isSocket()) return "socket";
  if (target.isCharacterDevice() || target.isBlockDevice()) return "device";
  return "other";
}

/**
 * Opens a regular file (through symbolic links) for reading; undefined when it is missing. Anything else is
 * refused by name without blocking: stat first, and O_NONBLOCK in case a FIFO took its place since.
 */
export async function openRegular(file: string): Promise<fs.FileHandle | undefined> {
  let before;
  try {
    before = await fs.stat(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  if (!before.isFile()) throw notRegular(file, before.isDirectory());
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  const now = await handle.stat();
  if (!now.isFile() || now.ino !== before.ino || now.dev !== before.dev) {
    await handle.close();
    throw notRegular(file, now.isDirectory());
  }
  return handle;
}

function notRegular(file: string, folder: boolean): PermanentError {
  return new PermanentError(folder ? `${file}: is a folder, not a file` : `${file}: is not a regular file; emingest reads only regular files and symbolic links to them`);
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}

function isNotDir(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOTDIR";
}
