// ObjectStore over a directory. Writes are atomic (temporary file + rename), so a killed process never
// leaves a half-written object that a rerun would trust. Keys are validated: no traversal out of the root.
// With a `tempDir` (the local run's own <out>/.emingest/writes/), every temporary file lives there under a
// name only this class makes, so abandoned writes are found without looking at anything else below root.
import { constants, promises as fs, type Dirent } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PermanentError, RetryableError } from "../../core/errors.js";
import { plainKey } from "../../core/object-key.js";
import type { ObjectStore, PutOptions, VersionedBytes } from "../../core/ports.js";
import { folderEntry, type EntryKind } from "../../core/slices/listing.js";

const TEMP_SUFFIX = ".partial";

/** A fresh temporary file name: 16 random hex digits + ".partial". */
export function tempName(): string {
  return randomBytes(8).toString("hex") + TEMP_SUFFIX;
}

/** The names tempName makes, and nothing else. */
export function isTempName(name: string): boolean {
  return /^[0-9a-f]{16}\.partial$/.test(name);
}

export interface FileStoreOptions {
  /** Folder for temporary files, on the same file system as root (rename must not cross devices). */
  tempDir?: string;
}

export class FileStore implements ObjectStore {
  readonly root: string;
  readonly tempDir: string | undefined;

  constructor(root: string, options: FileStoreOptions = {}) {
    this.root = path.resolve(root);
    this.tempDir = options.tempDir === undefined ? undefined : path.resolve(options.tempDir);
  }

  private file(key: string): string {
    return path.join(this.root, ...plainKey(key).split("/"));
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

  /**
   * The file's bytes and its version token (listVersions': inode, size, modification time) from the open
   * handle before and after the read; a file that changed while it was read (a writer still at it) is read
   * again, and after 3 tries it is a RetryableError naming it.
   */
  async getVersioned(key: string): Promise<VersionedBytes | undefined> {
    const file = this.file(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const handle = await openRegular(file);
      if (!handle) return undefined;
      try {
        const before = await handle.stat({ bigint: true });
        const bytes = await handle.readFile();
        const version = versionOf(before);
        if (versionOf(await handle.stat({ bigint: true })) === version && before.size === BigInt(bytes.byteLength)) return { bytes, version };
      } finally {
        await handle.close();
      }
    }
    throw new RetryableError(`${file}: changed while it was read, three times (is something still writing it?)`);
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
    const temp = await this.writeTemp(key, bytes);
    await this.commitTemp(temp, key);
  }

  /** The first half of put: the bytes in a temporary file of this store's own; returns its path. */
  protected async writeTemp(key: string, bytes: Uint8Array): Promise<string> {
    const target = this.file(key);
    const dir = this.tempDir ?? path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    const name = tempName();
    const temp = this.tempDir ? path.join(dir, name) : `${target}.${name}`;
    try {
      await fs.writeFile(temp, bytes, { flag: "wx" });
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    return temp;
  }

  /** The second half of put: the temporary file renamed over the key (atomic on one file system). */
  protected async commitTemp(temp: string, key: string): Promise<void> {
    const target = this.file(key);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
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
      if (stat) out.set(key, versionOf(stat));
    }
    return out;
  }

  /**
   * Removes the temporary files that a killed writer left in tempDir (they were never renamed into place, so
   * no object is lost): only regular files named the way writeTemp names them, and nothing outside tempDir.
   * Only safe while no other writer uses this store: the local run holds a lock for that.
   */
  async removeAbandonedWrites(): Promise<number> {
    if (this.tempDir === undefined) throw new Error(`file store ${this.root} has no folder of its own for temporary files`);
    let entries;
    try {
      entries = await fs.readdir(this.tempDir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    const abandoned = entries.filter((e) => e.isFile() && isTempName(e.name));
    for (const entry of abandoned) await fs.rm(path.join(this.tempDir, entry.name), { force: true });
    return abandoned.length;
  }

  /**
   * Deletes the object, then the folders it leaves empty (a bucket has no folders to leave behind). A folder
   * already gone does not stop the climb: a delete killed between its rm and its rmdir, or a concurrent
   * delete in the same folder, may have left its parent empty.
   */
  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await fs.rm(file, { force: true });
    for (let dir = path.dirname(file); dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
      try {
        await fs.rmdir(dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") continue;
        if (code === "ENOTEMPTY" || code === "EEXIST") return;
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

/** The version token of a file: inode, size and modification time (ns). */
function versionOf(stat: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
}
