// Writes baseline TIFF files byte by byte (TIFF 6.0 section 2; BigTIFF), so the hostile cases can make what
// no image library would write on purpose: strips past the end of the file, several pages, signed samples,
// zero byte counts. Uncompressed, one grayscale sample per pixel.

export interface TiffPage {
  width: number;
  height: number;
  bits: 8 | 16;
  signed: boolean;
  /** Row-major samples, width * height of them. */
  samples: ArrayLike<number>;
}

export interface TiffOptions {
  bigEndian?: boolean;
  bigTiff?: boolean;
  /** Rows per strip (default: all rows in one strip); ignored with `tile`. */
  rowsPerStrip?: number;
  /** Square tiles of this size (a multiple of 16) instead of strips. */
  tile?: number;
  /** Directories right after the header, data after them (ImageJ's order), so a cut end loses pixels, not directories. */
  directoriesFirst?: boolean;
  /** Overwrites page 0's byte count of this piece with 0. */
  zeroByteCountOf?: number;
}

interface Entry {
  tag: number;
  type: 3 | 4 | 16;
  values: number[];
}

export function tiffBytes(pages: readonly TiffPage[], options: TiffOptions = {}): Uint8Array {
  const le = !options.bigEndian;
  const big = options.bigTiff ?? false;
  const offSize = big ? 8 : 4;
  const headerSize = big ? 16 : 8;
  const pieceData = pages.map((p) => pieces(p, options));
  // Layout: header, [directories], data, [directories]. Directory sizes do not depend on offsets.
  const dirSizes = pages.map((p, i) => directorySize(entries(p, options, pieceData[i].map(() => 0), pieceData[i].map((d) => d.length)), big));
  const dataSize = pieceData.flat().reduce((n, d) => n + d.length + (d.length % 2), 0);
  const dirsTotal = dirSizes.reduce((a, b) => a + b, 0);
  const total = headerSize + dataSize + dirsTotal;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const put = (pos: number, size: number, v: number) => {
    if (size === 2) view.setUint16(pos, v, le);
    else if (size === 4) view.setUint32(pos, v, le);
    else view.setBigUint64(pos, BigInt(v), le);
  };
  out[0] = out[1] = le ? 0x49 : 0x4d;
  put(2, 2, big ? 43 : 42);
  if (big) {
    put(4, 2, 8);
    put(6, 2, 0);
  }
  let dirPos = options.directoriesFirst ? headerSize : headerSize + dataSize;
  let dataPos = options.directoriesFirst ? headerSize + dirsTotal : headerSize;
  put(big ? 8 : 4, offSize, dirPos);
  pages.forEach((page, i) => {
    const offsets: number[] = [];
    for (const d of pieceData[i]) {
      out.set(d, dataPos);
      offsets.push(dataPos);
      dataPos += d.length + (d.length % 2);
    }
    const counts = pieceData[i].map((d, k) => (i === 0 && k === options.zeroByteCountOf ? 0 : d.length));
    const next = i + 1 < pages.length ? dirPos + dirSizes[i] : 0;
    writeDirectory(put, entries(page, options, offsets, counts), dirPos, next, big);
    dirPos += dirSizes[i];
  });
  return out;
}

/** The same file cut to its first `length` bytes (a transfer that stopped early). */
export function cut(bytes: Uint8Array, length: number): Uint8Array {
  return bytes.slice(0, length);
}

function pieces(page: TiffPage, options: TiffOptions): Uint8Array[] {
  const bps = page.bits / 8;
  const sample = (x: number, y: number) => (x < page.width && y < page.height ? page.samples[y * page.width + x] : 0);
  const encode = (values: number[]) => {
    const bytes = new Uint8Array(values.length * bps);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      if (bps === 1) {
        if (page.signed) view.setInt8(i, v);
        else view.setUint8(i, v);
      } else if (page.signed) view.setInt16(2 * i, v, !options.bigEndian);
      else view.setUint16(2 * i, v, !options.bigEndian);
    });
    return bytes;
  };
  if (options.tile) {
    const t = options.tile;
    const out: Uint8Array[] = [];
    for (let ty = 0; ty < page.height; ty += t) {
      for (let tx = 0; tx < page.width; tx += t) {
        const values: number[] = [];
        for (let y = 0; y < t; y++) for (let x = 0; x < t; x++) values.push(sample(tx + x, ty + y));
        out.push(encode(values));
      }
    }
    return out;
  }
  const rows = options.rowsPerStrip ?? page.height;
  const out: Uint8Array[] = [];
  for (let y0 = 0; y0 < page.height; y0 += rows) {
    const values: number[] = [];
    for (let y = y0; y < Math.min(page.height, y0 + rows); y++) for (let x = 0; x < page.width; x++) values.push(sample(x, y));
    out.push(encode(values));
  }
  return out;
}

function entries(page: TiffPage, options: TiffOptions, offsets: number[], counts: number[]): Entry[] {
  const long = options.bigTiff ? 16 : 4;
  const list: Entry[] = [
    { tag: 256, type: 4, values: [page.width] },
    { tag: 257, type: 4, values: [page.height] },
    { tag: 258, type: 3, values: [page.bits] },
    { tag: 259, type: 3, values: [1] },
    { tag: 262, type: 3, values: [1] },
  ];
  if (options.tile) {
    list.push({ tag: 277, type: 3, values: [1] });
    list.push({ tag: 322, type: 4, values: [options.tile] }, { tag: 323, type: 4, values: [options.tile] });
    list.push({ tag: 324, type: long, values: offsets }, { tag: 325, type: long, values: counts });
  } else {
    list.push({ tag: 273, type: long, values: offsets }, { tag: 277, type: 3, values: [1] });
    list.push({ tag: 278, type: 4, values: [options.rowsPerStrip ?? page.height] }, { tag: 279, type: long, values: counts });
  }
  list.push({ tag: 339, type: 3, values: [page.signed ? 2 : 1] });
  return list.sort((a, b) => a.tag - b.tag);
}

const typeSize = (type: number) => (type === 3 ? 2 : type === 4 ? 4 : 8);

function directorySize(list: Entry[], big: boolean): number {
  const offSize = big ? 8 : 4;
  const fixed = (big ? 8 : 2) + list.length * (big ? 20 : 12) + offSize;
  const outOfLine = list.reduce((n, e) => (e.values.length * typeSize(e.type) > offSize ? n + e.values.length * typeSize(e.type) : n), 0);
  return fixed + outOfLine + (outOfLine % 2);
}

function writeDirectory(put: (pos: number, size: number, v: number) => void, list: Entry[], at: number, next: number, big: boolean): void {
  const offSize = big ? 8 : 4;
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  put(at, countSize, list.length);
  let extra = at + countSize + list.length * entrySize + offSize;
  list.forEach((e, k) => {
    const pos = at + countSize + k * entrySize;
    put(pos, 2, e.tag);
    put(pos + 2, 2, e.type);
    put(pos + 4, offSize, e.values.length);
    const size = typeSize(e.type);
    const inline = e.values.length * size <= offSize;
    const base = inline ? pos + 4 + offSize : extra;
    if (!inline) {
      put(pos + 4 + offSize, offSize, extra);
      extra += e.values.length * size;
    }
    e.values.forEach((v, i) => put(base + i * size, size, v));
  });
  put(at + countSize + list.length * entrySize, offSize, next);
}
