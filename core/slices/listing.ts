// From a listing of object names to the ordered slice stack: printf pattern or automatic numbering,
// minz/maxz, and the checks that name the culprit (empty folder, non-image file, duplicate or missing numbers).
import { PermanentError } from "../errors.js";

export interface SliceRef {
  z: number;
  /** Object key relative to the source store. */
  key: string;
}

export interface ListingOptions {
  pattern?: string;
  minz?: number;
  maxz?: number;
}

export const IMAGE_EXTENSIONS = [".png", ".tif", ".tiff", ".jpg", ".jpeg"];

/** The largest slice number: every z stays an exact integer (Number loses digits beyond 2^53). */
export const MAX_SLICE_NUMBER = Number.MAX_SAFE_INTEGER;

const looksLikeImage = (name: string) => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

/** What a folder entry is, by lstat (and stat through a symbolic link). */
export type EntryKind = "file" | "folder" | "link-to-folder" | "fifo" | "socket" | "device" | "broken-link" | "other";

const KIND_NAMES: Record<Exclude<EntryKind, "file" | "folder" | "link-to-folder">, string> = {
  fifo: "a FIFO (named pipe)",
  socket: "a socket",
  device: "a device",
  "broken-link": "a symbolic link to nothing",
  other: "not a regular file",
};

/**
 * The one rule, for `run` (FileStore.list) and `submit` alike, of what an entry of a local folder is: an
 * object (a regular file, or a symbolic link to one: it is read through the link, locally and when
 * uploaded), a folder to walk, or nothing (a hidden entry; a link to a folder, never followed). FIFOs,
 * sockets, devices and broken links are refused by name before anything opens them (opening a FIFO
 * blocks; /dev/zero never ends), and so is a folder named like an image.
 */
export function folderEntry(where: string, name: string, kind: EntryKind): "object" | "walk" | "skip" {
  if (kind === "file") return "object";
  if ((kind === "folder" || kind === "link-to-folder") && looksLikeImage(name)) {
    throw new PermanentError(`${where}: is a folder, not an image file`);
  }
  if (name.startsWith(".")) return "skip";
  if (kind === "folder") return "walk";
  if (kind === "link-to-folder") return "skip";
  throw new PermanentError(`${where}: is ${KIND_NAMES[kind]}, not a regular file; slices must be regular files or symbolic links to them`);
}
/** JSON files beside the slices (ingest.json, ground truth, metadata sidecars) are never slices. */
const isSidecar = (key: string) => key.toLowerCase().endsWith(".json");

/** Orders the slices found under a source; `where` names the folder or bucket prefix in errors. */
export function orderSlices(keys: readonly string[], options: ListingOptions, where: string): SliceRef[] {
  const names = keys.filter((k) => !k.includes("/") && !k.startsWith(".") && !isSidecar(k));
  const found = options.pattern === undefined ? byNumber(names, where) : byPattern(names, options.pattern, where);
  const inRange = found.filter(
    (s) => (options.minz === undefined || s.z >= options.minz) && (options.maxz === undefined || s.z <= options.maxz),
  );
  if (inRange.length === 0) {
    const how = options.pattern === undefined ? "no image files" : `no files matching "${options.pattern}"`;
    const range = options.minz !== undefined || options.maxz !== undefined ? ` with z in [${options.minz ?? "-"}, ${options.maxz ?? "-"}]` : "";
    throw new PermanentError(`${where}: ${how}${range} (found ${keys.length} object(s))`);
  }
  inRange.sort((a, b) => a.z - b.z);
  for (let i = 1; i < inRange.length; i++) {
    const prev = inRange[i - 1];
    const cur = inRange[i];
    if (cur.z === prev.z) {
      throw new PermanentError(`${where}: ${prev.key} and ${cur.key} both have slice number ${cur.z}`);
    }
    if (cur.z !== prev.z + 1) {
      const missing = cur.z === prev.z + 2 ? `slice ${prev.z + 1} is missing` : `slices ${prev.z + 1}-${cur.z - 1} are missing`;
      throw new PermanentError(
        `${where}: gap in the numbering: ${missing} (between ${prev.key} and ${cur.key}); set minz/maxz to ingest one side of it`,
      );
    }
  }
  return inRange;
}

/**
 * Automatic numbering: the last run of digits before the extension is the slice number, unsigned. A "-"
 * between a letter or digit and the number separates ("img-003.png" is slice 3); a "+" before it, or a "-"
 * that follows nothing or punctuation ("-3.png", "img_-3.png"), reads as a sign and is refused, and so is
 * a stack where some names have the "-" and others do not (img-1.png beside img0.png: minus or separator?).
 */
function byNumber(names: readonly string[], where: string): SliceRef[] {
  const dashed: string[] = [];
  const plain: string[] = [];
  const refs = names.map((key) => {
    const dot = key.lastIndexOf(".");
    const ext = dot >= 0 ? key.slice(dot).toLowerCase() : "";
    if (!IMAGE_EXTENSIONS.includes(ext)) {
      throw new PermanentError(
        `${where}/${key}: not an image file (slices must be ${IMAGE_EXTENSIONS.join(", ")}); move it away or give a pattern`,
      );
    }
    const stem = key.slice(0, dot);
    const m = /(\d+)\D*$/.exec(stem);
    if (!m) throw new PermanentError(`${where}/${key}: the name holds no slice number`);
    const digits = m[1];
    const sign = stem.charAt(m.index - 1);
    const beforeSign = stem.charAt(m.index - 2);
    if (sign === "+" || (sign === "-" && !/[A-Za-z0-9]/.test(beforeSign))) {
      throw new PermanentError(`${where}/${key}: a sign before the slice number ("${sign}${digits}"); slice numbers are unsigned: rename the slices or give a pattern`);
    }
    (sign === "-" ? dashed : plain).push(key);
    return { z: sliceNumber(digits, `${where}/${key}`), key };
  });
  if (dashed.length > 0 && plain.length > 0) {
    throw new PermanentError(
      `${where}: ${dashed[0]} has a "-" before its slice number and ${plain[0]} does not: a minus sign or a separator? Rename the slices or give a pattern`,
    );
  }
  return refs;
}

function byPattern(names: readonly string[], pattern: string, where: string): SliceRef[] {
  const [before, after] = pattern.split(/%0?\d*d/);
  const width = Number(/%0(\d+)d/.exec(pattern)?.[1] ?? 1);
  const re = new RegExp(`^${escapeRegExp(before)}([+-]?)(\\d+)${escapeRegExp(after)}$`);
  const out: SliceRef[] = [];
  for (const key of names) {
    const m = re.exec(key);
    if (!m || m[1].length + m[2].length < width) continue;
    if (m[1] !== "") {
      throw new PermanentError(`${where}/${key}: a signed slice number ("${m[1]}${m[2]}") in pattern "${pattern}"; slice numbers are unsigned: rename the slices`);
    }
    out.push({ z: sliceNumber(m[2], `${where}/${key}`), key });
  }
  return out;
}

/** Decimal digits to an exact slice number, or a refusal naming the file. */
function sliceNumber(digits: string, name: string): number {
  if (BigInt(digits) > BigInt(MAX_SLICE_NUMBER)) {
    throw new PermanentError(`${name}: slice number ${digits.replace(/^0+(?=\d)/, "")} is too large (at most ${MAX_SLICE_NUMBER}, 2^53 - 1)`);
  }
  return Number(digits);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
