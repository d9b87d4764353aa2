// The structure of a TIFF that libvips does not check for us: how many pages (IFDs) it holds, and whether
// every strip or tile of its image lies inside the file. libvips decodes a strip that lies past the end of
// the file as black without an error, and reads page 0 of a multi-page file without saying there are more;
// both would be a wrong volume at exit 0. TIFF 6.0 section 2 (header, IFD chain) and BigTIFF (version 43,
// 8-byte offsets); tags 273/279 (strips), 324/325 (tiles).
//
// Multi-page files are refused, not read page by page. FIB-SEM acquisition software writes one image file
// per milled slice (Thermo Fisher Auto Slice & View, Zeiss Atlas 5 / SmartSEM, and the converters of
// Janelia's .dat files); a multi-page TIFF is a stack exported afterwards (ImageJ/Fiji), whose pages may run
// over z, channels or time (hyperstack order) and whose extra pages may be thumbnails. Reading pages as
// slices would also change the run model: every slice is one object with one version tag, read on its own
// by one task, and numbered by its name.
import { PermanentError } from "../errors.js";

/** `length` bytes from `offset`, fewer at the end of the file. */
export type RangeReader = (offset: number, length: number) => Promise<Uint8Array>;

export interface TiffLayout {
  /** IFDs in the main chain (sub-IFDs not counted), at most MAX_PAGES_COUNTED + 1. */
  pages: number;
  piece: "strip" | "tile";
  pieces: number;
  /** The piece of page 0 that ends furthest into the file, and where it ends (exclusive). */
  furthest: { index: number; offset: number; end: number };
}

/** No directory or strip table of a real slice is this large; a claim beyond it is a broken file. */
const MAX_TABLE_BYTES = 64 * 1024 * 1024;
/** Counting stops here: the refusal then says "more than" this many pages. */
export const MAX_PAGES_COUNTED = 10_000;

const STRIP_OFFSETS = 273;
const STRIP_BYTE_COUNTS = 279;
const TILE_OFFSETS = 324;
const TILE_BYTE_COUNTS = 325;
/** Bytes of one value of each TIFF field type (1 BYTE .. 18 IFD8); 0 = unknown type. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8];

export function isTiff(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const version = (v: number) => v === 42 || v === 43;
  if (head[0] === 0x49 && head[1] === 0x49) return version(head[2]) && head[3] === 0;
  return head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && version(head[3]);
}

/**
 * Reads the IFD chain and page 0's strip or tile table. Throws a PermanentError naming the slice when the
 * structure itself is broken (a directory or table past the end of the file, a loop in the chain, no
 * strips, a piece with no bytes).
 */
export async function readTiffLayout(read: RangeReader, name: string): Promise<TiffLayout> {
  const head = await read(0, 16);
  const little = head[0] === 0x49;
  const big = fieldOf(head, little, 2, 2) === 43;
  const at = (bytes: Uint8Array, pos: number, size: number) => fieldOf(bytes, little, pos, size);
  const offsetSize = big ? 8 : 4;
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const broken = (what: string) => new PermanentError(`${name}: broken TIFF: ${what}`);
  const exact = async (offset: number, length: number, what: string) => {
    if (!Number.isSafeInteger(offset + length)) throw broken(`${what} at byte ${offset} lies past the end of the file`);
    if (length > MAX_TABLE_BYTES) throw broken(`${what} claims ${length} bytes`);
    const bytes = await read(offset, length);
    if (bytes.length < length) throw broken(`${what} at byte ${offset} lies past the end of the file`);
    return bytes;
  };

  let ifd = big ? at(head, 8, 8) : at(head, 4, 4);
  if (ifd === 0) throw broken("no image directory");
  const seen = new Set<number>();
  let pages = 0;
  let first: Uint8Array | undefined;
  let firstEntries = 0;
  while (ifd !== 0 && pages <= MAX_PAGES_COUNTED) {
    if (seen.has(ifd)) throw broken(`the directory chain loops back to byte ${ifd}`);
    seen.add(ifd);
    const count = at(await exact(ifd, countSize, `directory ${pages}`), 0, countSize);
    const body = await exact(ifd + countSize, count * entrySize + offsetSize, `directory ${pages}`);
    if (pages === 0) {
      first = body;
      firstEntries = count;
    }
    ifd = at(body, count * entrySize, offsetSize);
    pages++;
  }
  if (!first) throw broken("no image directory");

  const ifd0 = first;
  const entry = (tag: number) => {
    for (let k = 0; k < firstEntries; k++) {
      if (at(ifd0, k * entrySize, 2) === tag) return k * entrySize;
    }
    return undefined;
  };
  const values = async (tag: number, label: string): Promise<number[] | undefined> => {
    const pos = entry(tag);
    if (pos === undefined) return undefined;
    const type = at(ifd0, pos + 2, 2);
    const size = TYPE_SIZE[type] ?? 0;
    if (size === 0 || type === 5 || type === 10 || type === 11 || type === 12) throw broken(`${label} has field type ${type}`);
    const count = at(ifd0, pos + 4, offsetSize);
    const inline = count * size <= offsetSize;
    const bytes = inline ? ifd0.subarray(pos + 4 + offsetSize, pos + 4 + 2 * offsetSize) : await exact(at(ifd0, pos + 4 + offsetSize, offsetSize), count * size, label);
    return Array.from({ length: count }, (_, i) => at(bytes, i * size, size));
  };

  const tiled = entry(TILE_OFFSETS) !== undefined;
  const piece = tiled ? "tile" : "strip";
  const offsets = await values(tiled ? TILE_OFFSETS : STRIP_OFFSETS, `the ${piece} offsets`);
  const counts = await values(tiled ? TILE_BYTE_COUNTS : STRIP_BYTE_COUNTS, `the ${piece} byte counts`);
  if (!offsets || offsets.length === 0) throw broken(`page 0 has no ${piece} offsets`);
  if (!counts || counts.length !== offsets.length) throw broken(`page 0 has ${offsets.length} ${piece}(s) but ${counts?.length ?? 0} byte count(s)`);
  let furthest = { index: 0, offset: offsets[0], end: offsets[0] + counts[0] };
  for (let i = 0; i < offsets.length; i++) {
    if (counts[i] === 0) throw broken(`${piece} ${i} of ${offsets.length} has no bytes (byte count 0)`);
    if (offsets[i] + counts[i] > furthest.end) furthest = { index: i, offset: offsets[i], end: offsets[i] + counts[i] };
  }
  return { pages, piece, pieces: offsets.length, furthest };
}

/**
 * Refuses, naming the slice, a TIFF that is not one readable page: several pages, or a strip or tile that
 * ends past the end of the file. A non-TIFF passes. Reads only the directories, the strip table and one
 * byte at the furthest strip's end, so it runs at enumerate for every slice.
 */
export async function checkTiff(read: RangeReader, name: string): Promise<void> {
  if (!isTiff(await read(0, 4))) return;
  const layout = await readTiffLayout(read, name);
  if (layout.pages > 1) {
    const pages = layout.pages > MAX_PAGES_COUNTED ? `more than ${MAX_PAGES_COUNTED}` : String(layout.pages);
    throw new PermanentError(
      `${name}: a multi-page TIFF (${pages} pages); emingest reads one slice per file: split it into one file per page ` +
        `(Fiji: File > Save As > Image Sequence; or tiffsplit) and number the files`,
    );
  }
  const { index, offset, end } = layout.furthest;
  if (!Number.isSafeInteger(end) || (await read(end - 1, 1)).length < 1) {
    throw new PermanentError(`${name}: truncated TIFF: ${layout.piece} ${index} of ${layout.pieces} (bytes ${offset}-${end - 1}) lies past the end of the file`);
  }
}

/** A reader over an object that fetches `blockSize` blocks only when asked; `first` is block 0 if already read. */
export function blockReader(fetch: RangeReader, blockSize: number, first?: Uint8Array): RangeReader {
  const blocks = new Map<number, Promise<Uint8Array>>(first ? [[0, Promise.resolve(first)]] : []);
  const block = (k: number) => {
    let b = blocks.get(k);
    if (!b) {
      b = fetch(k * blockSize, blockSize);
      blocks.set(k, b);
    }
    return b;
  };
  return async (offset, length) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const pos = offset + filled;
      const k = Math.floor(pos / blockSize);
      const b = await block(k);
      const from = pos - k * blockSize;
      const n = Math.min(length - filled, b.length - from);
      if (n <= 0) break;
      out.set(b.subarray(from, from + n), filled);
      filled += n;
    }
    return out.subarray(0, filled);
  };
}

/** A reader over bytes already in memory. */
export function bytesReader(bytes: Uint8Array): RangeReader {
  return (offset, length) => Promise.resolve(bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)));
}

/** An unsigned integer field; 8-byte values beyond 2^53 do not fit a file anyway and read as Infinity. */
function fieldOf(bytes: Uint8Array, little: boolean, pos: number, size: number): number {
  if (pos + size > bytes.length) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset + pos, size);
  if (size === 1) return view.getUint8(0);
  if (size === 2) return view.getUint16(0, little);
  if (size === 4) return view.getUint32(0, little);
  const value = view.getBigUint64(0, little);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(value);
}
