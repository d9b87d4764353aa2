// TIFF structure checks and signed decoding, on files written byte by byte (test/hostile/support/tiff-bytes.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSlice, probeSlice } from "../../core/image/decode.js";
import { blockReader, bytesReader, checkTiff, readTiffLayout } from "../../core/image/tiff-layout.js";
import { cut, tiffBytes, type TiffOptions, type TiffPage } from "../hostile/support/tiff-bytes.js";

const W = 40;
const H = 30;
const page = (bits: 8 | 16, signed: boolean, f: (i: number) => number): TiffPage => ({ width: W, height: H, bits, signed, samples: Array.from({ length: W * H }, (_, i) => f(i)) });

test("one page in every layout: strips, tiles, BigTIFF, big-endian; the furthest piece is found", async () => {
  const layouts: Array<[TiffOptions, "strip" | "tile", number]> = [
    [{}, "strip", 1],
    [{ rowsPerStrip: 7 }, "strip", 5],
    [{ rowsPerStrip: 4, bigEndian: true }, "strip", 8],
    [{ rowsPerStrip: 3, bigTiff: true }, "strip", 10],
    [{ tile: 16 }, "tile", 6],
    [{ tile: 16, bigTiff: true, bigEndian: true }, "tile", 6],
    [{ rowsPerStrip: 7, directoriesFirst: true }, "strip", 5],
  ];
  for (const [options, piece, pieces] of layouts) {
    const bytes = tiffBytes([page(16, false, (i) => i)], options);
    const layout = await readTiffLayout(bytesReader(bytes), "x.tif");
    assert.equal(layout.pages, 1, JSON.stringify(options));
    assert.equal(layout.piece, piece);
    assert.equal(layout.pieces, pieces);
    // The data ends at the file's end (data last) or just before the directories (data first): never past it.
    assert.ok(layout.furthest.end <= bytes.length);
    await checkTiff(bytesReader(bytes), "x.tif");
  }
});

test("a multi-page TIFF is refused with its page count, wherever its directories are", async () => {
  for (const options of [{}, { directoriesFirst: true }, { bigTiff: true }]) {
    const bytes = tiffBytes([page(8, false, () => 1), page(8, false, () => 2), page(8, false, () => 3)], options);
    await assert.rejects(
      checkTiff(bytesReader(bytes), "in/stack.tif"),
      { message: "in/stack.tif: a multi-page TIFF (3 pages); emingest reads one slice per file: split it into one file per page (Fiji: File > Save As > Image Sequence; or tiffsplit) and number the files" },
    );
  }
});

test("a strip past the end of the file is refused by name (sharp alone decodes it as black)", async () => {
  const whole = tiffBytes([page(16, false, () => 1000)], { directoriesFirst: true, rowsPerStrip: 5 });
  const bytes = cut(whole, whole.length - 100);
  const layout = await readTiffLayout(bytesReader(whole), "t.tif");
  const { offset, end } = layout.furthest;
  const message = `in/t.tif: truncated TIFF: strip 5 of 6 (bytes ${offset}-${end - 1}) lies past the end of the file`;
  await assert.rejects(checkTiff(bytesReader(bytes), "in/t.tif"), { message });
  await assert.rejects(decodeSlice(bytes, "in/t.tif", 1e9), { message });
  // Through 64-byte blocks, as enumerate reads a bucket object: the same answer.
  await assert.rejects(checkTiff(blockReader(bytesReader(bytes), 64), "in/t.tif"), { message });
  const tiles = tiffBytes([page(8, false, () => 9)], { directoriesFirst: true, tile: 16 });
  await assert.rejects(checkTiff(bytesReader(cut(tiles, tiles.length - 1)), "in/tiles.tif"), { message: /^in\/tiles\.tif: truncated TIFF: tile 5 of 6 \(bytes \d+-\d+\) lies past the end of the file$/ });
});

test("broken structures are named: zero byte counts, a directory past the end, a looping chain", async () => {
  const zero = tiffBytes([page(8, false, () => 9)], { rowsPerStrip: 10, zeroByteCountOf: 1 });
  await assert.rejects(checkTiff(bytesReader(zero), "z.tif"), { message: "z.tif: broken TIFF: strip 1 of 3 has no bytes (byte count 0)" });
  const plain = tiffBytes([page(8, false, () => 9)]);
  const lost = cut(plain, plain.length - 10);
  await assert.rejects(checkTiff(bytesReader(lost), "d.tif"), { message: `d.tif: broken TIFF: directory 0 at byte ${W * H + 8 + 2} lies past the end of the file` });
  const loop = tiffBytes([page(8, false, () => 1), page(8, false, () => 2)]);
  const view = new DataView(loop.buffer);
  const first = view.getUint32(4, true);
  const second = first + 2 + view.getUint16(first, true) * 12 + 4 + /* out-of-line values of page 0: none */ 0;
  // The second directory's next-offset points back to the first.
  const entries = view.getUint16(second, true);
  view.setUint32(second + 2 + entries * 12, first, true);
  await assert.rejects(checkTiff(bytesReader(loop), "l.tif"), { message: `l.tif: broken TIFF: the directory chain loops back to byte ${first}` });
});

test("signed samples decode exactly, shifted onto the unsigned range; they are flagged signed", async () => {
  const s16 = (i: number) => [-32768, -1000, -1, 0, 1, 32767, 12345, -12345][i % 8] + (i % 3);
  const bytes16 = tiffBytes([page(16, true, (i) => Math.min(32767, s16(i)))], { rowsPerStrip: 4 });
  assert.deepEqual(await probeSlice(bytes16, "s16.tif", 1e9), { width: W, height: H, depth: 16, signed: true });
  const image16 = await decodeSlice(bytes16, "s16.tif", 1e9);
  assert.ok(image16.data instanceof Uint16Array);
  assert.deepEqual(Array.from(image16.data), Array.from({ length: W * H }, (_, i) => Math.min(32767, s16(i)) + 32768));
  const s8 = (i: number) => ((i * 37) % 256) - 128;
  const bytes8 = tiffBytes([page(8, true, s8)], { bigEndian: true });
  assert.deepEqual(await probeSlice(bytes8, "s8.tif", 1e9), { width: W, height: H, depth: 8, signed: true });
  const image8 = await decodeSlice(bytes8, "s8.tif", 1e9);
  assert.ok(image8.data instanceof Uint8Array);
  assert.deepEqual(Array.from(image8.data), Array.from({ length: W * H }, (_, i) => s8(i) + 128));
  // Unsigned input is untouched by the shift.
  const u16 = tiffBytes([page(16, false, (i) => (i * 53) % 65536)]);
  assert.deepEqual(Array.from((await decodeSlice(u16, "u16.tif", 1e9)).data), Array.from({ length: W * H }, (_, i) => (i * 53) % 65536));
});
