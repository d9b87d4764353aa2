// Ordinary conditions of the machine (a full disk, a read-only or unreadable folder, a port in use, an
// endpoint that is not up) in plain words, with the file or address they concern: what the CLI prints as its
// one line, and what a local task reports. Node puts the errno name in `code` and the object in `path` (file
// system calls) or `address`/`port` (listen, connect); a client library may only keep it in its message
// ("connect ECONNREFUSED 127.0.0.1:8086") or in a `cause`, which are searched too.
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

export interface OsCondition {
  /** The errno name: "ENOSPC". */
  code: string;
  /** The file, folder or address it concerns; undefined when the error does not say. */
  object?: string;
  /** Plain words: "the disk is full". */
  cause: string;
  /** May pass on its own (too many open files, a connection reset); the others stay until someone acts. */
  transient: boolean;
}

const CAUSES: Record<string, { cause: string; transient?: boolean }> = {
  EACCES: { cause: "permission denied" },
  EPERM: { cause: "operation not permitted" },
  EROFS: { cause: "the file system is read-only" },
  ENOTDIR: { cause: "a part of the path is a file, not a folder" },
  ENOENT: { cause: "no such file or folder" },
  EEXIST: { cause: "already exists" },
  EISDIR: { cause: "is a folder, not a file" },
  ENOTEMPTY: { cause: "the folder is not empty" },
  ENOSPC: { cause: "the disk is full" },
  EDQUOT: { cause: "the disk quota is used up" },
  EFBIG: { cause: "the file is larger than this file system allows" },
  ENAMETOOLONG: { cause: "the name is too long" },
  ELOOP: { cause: "too many levels of symbolic links" },
  EXDEV: { cause: "cannot be moved across file systems" },
  EIO: { cause: "input/output error (the disk or its connection failed)" },
  EMFILE: { cause: "too many open files in this process (raise the limit: ulimit -n)", transient: true },
  ENFILE: { cause: "too many open files on this machine", transient: true },
  EAGAIN: { cause: "resource temporarily unavailable", transient: true },
  EBUSY: { cause: "busy", transient: true },
  EADDRINUSE: { cause: "the address is already in use (another program listens there)" },
  EADDRNOTAVAIL: { cause: "the address is not one of this machine's" },
  ECONNREFUSED: { cause: "connection refused (nothing listens there: is the endpoint running?)", transient: true },
  ECONNRESET: { cause: "the connection was reset", transient: true },
  ETIMEDOUT: { cause: "timed out", transient: true },
  EHOSTUNREACH: { cause: "the host is unreachable", transient: true },
  ENETUNREACH: { cause: "the network is unreachable", transient: true },
  ENOTFOUND: { cause: "the host name is not known" },
  EAI_AGAIN: { cause: "the host name could not be looked up (DNS)", transient: true },
};

const IN_MESSAGE = new RegExp(`\\b(${Object.keys(CAUSES).join("|")})\\b(?:[:,]?\\s+([A-Za-z0-9.-]+:\\d+|\\[[0-9a-fA-F:]+\\]:\\d+))?`);

interface SystemErrorLike {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  dest?: unknown;
  address?: unknown;
  port?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The condition an error (or one of its causes) stands for, or undefined when it is not one of these. */
export function osCondition(error: unknown, depth = 0): OsCondition | undefined {
  if (typeof error !== "object" || error === null || depth > 4) return undefined;
  const e = error as SystemErrorLike;
  if (typeof e.code === "string" && e.code in CAUSES) {
    if (e.code === "ENOENT" && e.syscall === "mkdir" && typeof e.path === "string") return unwritableAncestor(e.path) ?? { code: e.code, object: e.path, ...entry(e.code) };
    return { code: e.code, object: objectOf(e), ...entry(e.code) };
  }
  const nested = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const inner of nested) {
    const found = osCondition(inner, depth + 1);
    if (found) return found;
  }
  const m = typeof e.message === "string" ? IN_MESSAGE.exec(e.message) : null;
  return m ? { code: m[1], object: m[2], ...entry(m[1]) } : undefined;
}

/**
 * `error`, with `file` as the object it concerns when it is one of these conditions and names none (Node's
 * fs.promises.writeFile reports a failed write without the path, which only its open() carries).
 */
export function nameFailure(error: unknown, file: string): unknown {
  const e = error as SystemErrorLike | null;
  if (typeof e === "object" && e !== null && typeof e.path !== "string" && typeof e.address !== "string" && osCondition(error)) e.path = file;
  return error;
}

/** "<object>: <cause> (<CODE>)", or `fallback` for the object when the error names none. */
export function osConditionLine(condition: OsCondition, fallback?: string): string {
  const object = condition.object ?? fallback;
  return `${object ? `${object}: ` : ""}${condition.cause} (${condition.code})`;
}

function entry(code: string): { cause: string; transient: boolean } {
  const { cause, transient } = CAUSES[code];
  return { cause, transient: transient ?? false };
}

/**
 * Node's recursive mkdir reports a read-only file system as ENOENT on the folder it could not create (Node
 * 20). When that folder's nearest existing ancestor is a folder, the true cause is asked of it.
 */
function unwritableAncestor(dir: string): OsCondition | undefined {
  let ancestor = path.dirname(dir);
  while (ancestor !== path.dirname(ancestor) && !statSync(ancestor, { throwIfNoEntry: false })) ancestor = path.dirname(ancestor);
  if (!statSync(ancestor, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  try {
    accessSync(ancestor, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as SystemErrorLike).code;
    return typeof code === "string" && code in CAUSES ? { code, object: ancestor, ...entry(code) } : undefined;
  }
}

function objectOf(e: SystemErrorLike): string | undefined {
  if (typeof e.path === "string") return typeof e.dest === "string" ? `${e.path} -> ${e.dest}` : e.path;
  if (typeof e.address === "string") return typeof e.port === "number" ? `${e.address.includes(":") ? `[${e.address}]` : e.address}:${e.port}` : e.address;
  return undefined;
}
