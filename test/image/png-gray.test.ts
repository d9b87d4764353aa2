// The native grayscale PNG decoder (core/image/png-gray.ts, native/png-decode.cc) against two independent
// truths: the pixels numpy wrote through three other PNG writers (tools/python/png_corpus.py: its own
// writer with every filter type and zlib level, cv2.imwrite, Pillow), and sharp's decode of the same bytes
// (decodeWithSharp, the path it replaces). Files outside the common case must go to sharp unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { decodeSlice, decodeWithSharp } from "../../core/image/decode.js";
import { decodeGrayPng } from "../../core/image/png-gray.js";
import type { Gray16, Gray8 } from "../../core/image/gray.js";
import { runPythonJson } from "../support/python.js";
import { chunk, chunkBytes } from "../hostile/support/png-bytes.js";

const LIMIT = 2 ** 31;

function samples(image: Gray8 | Gray16): Buffer {
  return Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
}

function assertSame(a: Gray8 | Gray16, b: Gray8 | Gray16, what: string): void {
  assert.equal(a.width, b.width, `${what}: width`);
  assert.equal(a.height, b.height, `${what}: height`);
  assert.equal(a.data.constructor, b.data.constructor, `${what}: sample type`);
  assert.ok(samples(a).equals(samples(b)), `${what}: pixels differ`);
}

interface Case { file: string; width: number; height: number; depth: 8 | 16; pixels: string; writer: string }

test("PNGs from three other writers decode natively to numpy's pixels and to sharp's", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emingest-png-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases = await runPythonJson<Case[]>("png_corpus.py", [dir]);
  assert.ok(cases.length >= 130, `corpus of ${cases.length}`);
  for (const c of cases) {
    const bytes = readFileSync(c.file);
    const native = decodeGrayPng(bytes, c.file, LIMIT);
    assert.ok(native, `${c.writer} (${path.basename(c.file)}) takes the native path`);
    const raw = readFileSync(c.pixels);
    const truth = c.depth === 16
      ? { width: c.width, height: c.height, data: new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) }
      : { width: c.width, height: c.height, data: new Uint8Array(raw) };
    assertSame(native, truth, `${path.basename(c.file)} vs numpy`);
    assertSame(native, await decodeWithSharp(bytes, c.file, LIMIT), `${path.basename(c.file)} vs sharp`);
  }
});

test("PNGs sharp writes (every compression level, adaptive filtering or not, 8 and 16 bit) decode natively to sharp's pixels", async () => {
  let n = 0;
  for (const [width, height] of [[1, 1], [5, 3], [97, 61], [300, 200]]) {
    const gray = new Uint8Array(width * height).map((_, i) => (i * 37 + ((i / width) | 0) * 11) % 256);
    const wide = new Uint16Array(width * height).map((_, i) => (i * 4099 + ((i / width) | 0) * 257) % 65536);
    for (let level = 0; level <= 9; level++) {
      for (const adaptiveFiltering of [false, true]) {
        const files = [
          await sharp(gray, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png({ compressionLevel: level, adaptiveFiltering }).toBuffer(),
          // A Uint16Array is taken as 16-bit samples.
          await sharp(wide, { raw: { width, height, channels: 1 } }).toColourspace("grey16").png({ compressionLevel: level, adaptiveFiltering }).toBuffer(),
        ];
        for (const bytes of files) {
          const name = `sharp ${width}x${height} level ${level} adaptive ${adaptiveFiltering}`;
          const native = decodeGrayPng(bytes, name, LIMIT);
          assert.ok(native, `${name} takes the native path`);
          assertSame(native, await decodeWithSharp(bytes, name, LIMIT), name);
          n++;
        }
      }
    }
  }
  assert.equal(n, 160);
});

test("PNGs outside the common case (RGB, palette, gray+alpha, interlaced, gAMA, over the pixel limit) go to sharp unchanged", async () => {
  const width = 40;
  const height = 30;
  const gray = new Uint8Array(width * height).map((_, i) => (i * 7) % 256);
  const rgb = new Uint8Array(width * height * 3).map((_, i) => (i * 13) % 256);
  const plain = await sharp(gray, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png().toBuffer();
  const withGama = insertChunk(plain, "gAMA", Buffer.from([0, 0, 0xb1, 0x8f]));
  const files: Array<[string, Buffer]> = [
    ["rgb", await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer()],
    ["palette", await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ palette: true }).toBuffer()],
    ["gray+alpha", await sharp(new Uint8Array(width * height * 2).fill(90), { raw: { width, height, channels: 2 } }).png().toBuffer()],
    ["interlaced", await sharp(gray, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png({ progressive: true }).toBuffer()],
    ["gAMA", withGama],
  ];
  for (const [name, bytes] of files) {
    assert.equal(decodeGrayPng(bytes, name, LIMIT), undefined, `${name} is left to sharp`);
    assertSame(await decodeSlice(bytes, name, LIMIT), await decodeWithSharp(bytes, name, LIMIT), name);
  }
  assert.ok(decodeGrayPng(plain, "plain", LIMIT), "the same file without gAMA takes the native path");
  assert.equal(decodeGrayPng(plain, "limit", width * height - 1), undefined, "over the pixel limit is left to sharp");
  await assert.rejects(decodeSlice(plain, "limit.png", width * height - 1), { message: `limit.png: ${width}x${height} is over the pixel limit of ${width * height - 1}` });
});

/** `png` with a chunk of `type` inserted right after IHDR. */
function insertChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const at = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, at), chunkBytes(chunk(type, data)), png.subarray(at)]);
}
