// Damaged PNG slices (issue 17 item 1): the native grayscale decoder (core/image/png-gray.ts) must refuse
// every file sharp (failOn "truncated", decodeWithSharp) refuses, in one line that names the slice and the
// cause, and decode every file it accepts to sharp's pixels exactly. It is stricter than sharp where sharp
// lets damage pass (a bad CRC, a bad Adler-32, extra image data, bytes after the zlib stream): those are
// refused too, and the table below says which. Through the real CLI, one damaged slice fails the run
// naming it, with the slices folder unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { decodeSlice, decodeWithSharp } from "../../core/image/decode.js";
import { decodeGrayPng } from "../../core/image/png-gray.js";
import type { Gray16, Gray8 } from "../../core/image/gray.js";
import { chunk, chunksOf, crc32, grayPng, ihdr, pngBytes, scanlines, type PngChunk } from "./support/png-bytes.js";
import { snapshot, tempDir } from "./support/input-cases.js";
import { runCli } from "../support/cli.js";

const LIMIT = 2 ** 31;
const W = 37;
const H = 23;

type Verdict = { refused: string } | { pixels: Gray8 | Gray16 };

async function verdict(decode: () => Promise<Gray8 | Gray16>): Promise<Verdict> {
  try {
    return { pixels: await decode() };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

function same(a: Gray8 | Gray16, b: Gray8 | Gray16): boolean {
  return a.width === b.width && a.height === b.height && a.data.constructor === b.data.constructor &&
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}

/** A damaged file's outcome, held to sharp's: the same refusal or stricter, else the same pixels. */
async function judge(name: string, bytes: Buffer): Promise<"refused" | "decoded"> {
  const ours = await verdict(() => decodeSlice(bytes, name, LIMIT));
  const sharps = await verdict(() => decodeWithSharp(bytes, name, LIMIT));
  if ("refused" in ours) {
    assert.ok(ours.refused.startsWith(`${name}: `), `${name}: the refusal names the slice: ${ours.refused}`);
    assert.ok(!ours.refused.includes("\n"), `${name}: one line: ${ours.refused}`);
    return "refused";
  }
  assert.ok(!("refused" in sharps), `${name}: sharp refuses (${"refused" in sharps ? sharps.refused : ""}) but the decoder accepted it`);
  assert.ok("pixels" in sharps && same(ours.pixels, sharps.pixels), `${name}: decoded, but not to sharp's pixels`);
  return "decoded";
}

function good(depth: 8 | 16): { bytes: Buffer; lines: Buffer } {
  const lines = scanlines(W, H, depth, (i) => (i * 2654435761) >>> (depth === 16 ? 13 : 21));
  return { bytes: grayPng(W, H, depth, lines, 100), lines };
}

/** The file with its chunks passed through `edit` (CRCs recomputed unless an edit sets one). */
function rebuilt(bytes: Buffer, edit: (chunks: PngChunk[]) => PngChunk[]): Buffer {
  return pngBytes(edit(chunksOf(bytes).map(({ type, data }) => chunk(type, Buffer.from(data)))));
}

/** The file with its image data replaced by `stream` in one IDAT. */
function withStream(bytes: Buffer, stream: Buffer): Buffer {
  return rebuilt(bytes, (cs) => [cs[0], chunk("IDAT", stream), chunk("IEND", Buffer.alloc(0))]);
}

for (const depth of [8, 16] as const) {
  test(`${depth}-bit: a PNG cut short at any of 60 offsets is refused in one line naming the slice`, async () => {
    const { bytes } = good(depth);
    assert.equal(await judge("whole.png", bytes), "decoded");
    const offsets = new Set([1, 8, 16, 20, 33, 40, bytes.length - 12, bytes.length - 4, bytes.length - 1]);
    for (let k = 1; offsets.size < 60; k++) offsets.add(Math.floor((bytes.length * k) / 53));
    for (const cut of offsets) {
      assert.equal(await judge(`cut-${cut}.png`, bytes.subarray(0, cut)), "refused", `cut at ${cut} of ${bytes.length}`);
    }
  });

  test(`${depth}-bit: flipped bytes in the image data, in any chunk's CRC, and a bad Adler-32 are refused (sharp lets some pass)`, async (t) => {
    const { bytes, lines } = good(depth);
    const chunks = chunksOf(bytes);
    const idat = chunks.filter((c) => c.type === "IDAT");
    const flips: number[] = [];
    for (const c of idat) flips.push(c.at + 8 + 3, c.at + 8 + Math.floor(c.data.length / 2));
    for (const c of chunks) flips.push(c.at + 8 + c.data.length + 1);
    let sharpAccepted = 0;
    for (const at of flips) {
      const bad = Buffer.from(bytes);
      bad[at] ^= 0x20;
      if ("pixels" in (await verdict(() => decodeWithSharp(bad, "x", LIMIT)))) sharpAccepted++;
      assert.equal(await judge(`flip-${at}.png`, bad), "refused", `byte ${at} flipped`);
    }
    const stream = deflateSync(lines);
    stream[stream.length - 1] ^= 1;
    assert.equal(await judge("adler.png", withStream(bytes, stream)), "refused");
    assert.ok(flips.length >= 10, `${flips.length} flips`);
    // Not an assertion on sharp; the count says how much stricter the native path is.
    t.diagnostic(`${depth}-bit: sharp accepted ${sharpAccepted} of ${flips.length} flipped files`);
  });

  test(`${depth}-bit: a bad filter byte, wrong IHDR sizes, extra or missing image data are refused`, async () => {
    const { bytes, lines } = good(depth);
    const row = 1 + W * (depth / 8);
    const badFilter = Buffer.from(lines);
    badFilter[5 * row] = 5;
    assert.equal(await judge("filter5.png", withStream(bytes, deflateSync(badFilter))), "refused");
    const sized = (w: number, h: number): Buffer => rebuilt(bytes, (cs) => [ihdr(w, h, depth), ...cs.slice(1)]);
    for (const [w, h] of [[W, H + 1], [W + 1, H], [W, H - 1], [W - 1, H], [W * 2, H], [1, 1]]) {
      assert.equal(await judge(`ihdr-${w}x${h}.png`, sized(w, h)), "refused", `IHDR ${w}x${h} for ${W}x${H} data`);
    }
    assert.equal(await judge("garbage-in-idat.png", withStream(bytes, Buffer.concat([deflateSync(lines), Buffer.from("garbage")]))), "refused");
    assert.equal(await judge("extra-rows.png", withStream(bytes, deflateSync(Buffer.concat([lines, lines.subarray(0, row)])))), "refused");
    assert.equal(await judge("no-iend.png", rebuilt(bytes, (cs) => cs.slice(0, -1))), "refused");
    assert.equal(await judge("no-idat.png", rebuilt(bytes, (cs) => [cs[0], chunk("IEND", Buffer.alloc(0))])), "refused");
    assert.equal(await judge("empty-idats.png", rebuilt(bytes, (cs) => [cs[0], chunk("IDAT", Buffer.alloc(0)), chunk("IDAT", Buffer.alloc(0)), chunk("IEND", Buffer.alloc(0))])), "refused");
    assert.equal(await judge("empty-stream.png", withStream(bytes, Buffer.alloc(0))), "refused");
    assert.equal(await judge("not-zlib.png", withStream(bytes, Buffer.from(lines))), "refused");
    // Zero-length IDATs among good ones change nothing.
    const padded = rebuilt(bytes, (cs) => [cs[0], chunk("IDAT", Buffer.alloc(0)), ...cs.slice(1, -1).flatMap((c) => [c, chunk("IDAT", Buffer.alloc(0))]), cs[cs.length - 1]]);
    assert.ok(decodeGrayPng(padded, "padded", LIMIT), "zero-length IDATs stay on the native path");
    assert.equal(await judge("padded.png", padded), "decoded");
    assert.equal(crc32(Buffer.from("IEND", "latin1")), 0xae426082, "the test's CRC-32 is PNG's");
  });

  test(`${depth}-bit: bytes after IEND are left to sharp, which decodes the image as before`, async () => {
    const { bytes } = good(depth);
    const tail = Buffer.concat([bytes, Buffer.from("trailing bytes after IEND")]);
    assert.equal(decodeGrayPng(tail, "tail", LIMIT), undefined, "not on the native path");
    assert.equal(await judge("tail.png", tail), "decoded");
    const ours = await decodeSlice(tail, "tail.png", LIMIT);
    assert.ok(same(ours, await decodeSlice(bytes, "whole.png", LIMIT)), "the same pixels as without the tail");
  });
}

test("through the CLI, a slice with a damaged IDAT CRC fails the run with one line naming it, and nothing of the user's changes", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  mkdirSync(slices);
  const lines = scanlines(256, 256, 8, (i) => ((i * 2654435761) >>> 24) ^ (i & 0x3f));
  for (let z = 0; z < 3; z++) writeFileSync(path.join(slices, `img0000${z}.png`), grayPng(256, 256, 8, lines, 4096));
  const bad = grayPng(256, 256, 8, lines, 4096);
  const idat = chunksOf(bad).find((c) => c.type === "IDAT");
  assert.ok(idat);
  bad[idat.at + 8 + idat.data.length] ^= 0xff;
  writeFileSync(path.join(slices, "img00001.png"), bad);
  const before = await snapshot(slices);
  const r = await runCli(["run", slices, "--out", path.join(dir, "out"), "--workers", "2", "--skip-align"]);
  assert.equal(r.code, 1, r.stderr);
  // The run's summary of failed tasks: one line per task, naming the slice and the cause.
  const named = r.stderr.split("\n").filter((l) => l.includes("img00001.png"));
  assert.deepEqual(named, [`  render-1: ${slices}/img00001.png: corrupt or truncated image (corrupt PNG: CRC mismatch in the IDAT chunk at byte ${idat.at})`]);
  assert.deepEqual(await snapshot(slices), before, "the slices folder is unchanged");
});
