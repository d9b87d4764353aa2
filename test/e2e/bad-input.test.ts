// Bad input through the real CLI: each case fails with a message that names the culprit, and nothing is
// left that a rerun would trust (a fixed input then runs to the same output as a clean run).
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { checksums, runCli } from "../support/cli.js";

async function stack(dir: string, count: number, size = 256): Promise<void> {
  const r = await runCli(["sample", dir, "--count", String(count), "--size", String(size), "--seed", "5"]);
  assert.equal(r.code, 0, r.stderr);
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "embad-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function expectFailure(args: string[], message: RegExp): Promise<string> {
  const r = await runCli(args);
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /^ {4}at /m, "no stack trace for bad input");
  return r.stderr;
}

test("empty folder", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, "empty"));
  await expectFailure(["run", path.join(dir, "empty"), "--out", path.join(dir, "out")], /empty: no image files \(found 0 object\(s\)\)/);
  assert.equal(existsSync(path.join(dir, "out", "report")), false);
});

test("missing folder", async (t) => {
  const dir = tempDir(t);
  await expectFailure(["run", path.join(dir, "nope"), "--out", path.join(dir, "out")], /nope: no such folder/);
});

test("a gap in the numbering names both neighbours", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  await stack(slices, 5);
  rmSync(path.join(slices, "img00002.png"));
  await expectFailure(["run", slices, "--out", path.join(dir, "out")], /gap in the numbering: slice 2 is missing \(between img00001\.png and img00003\.png\)/);
});

test("a slice of a different size is named", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  await stack(slices, 4);
  await sharp(new Uint8Array(200 * 256).fill(128), { raw: { width: 200, height: 256, channels: 1 } })
    .png()
    .toFile(path.join(slices, "img00003.png"));
  await expectFailure(["run", slices, "--out", path.join(dir, "out")], /img00003\.png: is 200x256 but img00000\.png is 256x256/);
});

test("a non-image file is named", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  await stack(slices, 3);
  writeFileSync(path.join(slices, "notes.txt"), "hello");
  await expectFailure(["run", slices, "--out", path.join(dir, "out")], /notes\.txt: not an image file/);
  writeFileSync(path.join(slices, "img00003.png"), "this is not a png at all");
  rmSync(path.join(slices, "notes.txt"));
  await expectFailure(["run", slices, "--out", path.join(dir, "out")], /img00003\.png: not a readable image/);
});

test("an output folder inside the input is refused before anything is written", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  await stack(slices, 3);
  await expectFailure(["run", slices, "--out", path.join(slices, "out")], /the output folder is inside the slices folder/);
  assert.equal(existsSync(path.join(slices, "out")), false);
});

test("a truncated slice fails the run naming it; once fixed, the rerun equals a clean run", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  await stack(slices, 6);
  const victim = path.join(slices, "img00004.png");
  const good = path.join(dir, "good.png");
  copyFileSync(victim, good);
  const bytes = readFileSync(victim);
  writeFileSync(victim, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const out = path.join(dir, "out");
  await expectFailure(["run", slices, "--out", out, "--workers", "2"], /img00004\.png: corrupt or truncated image/);

  copyFileSync(good, victim);
  const fixed = await runCli(["run", slices, "--out", out, "--workers", "2"]);
  assert.equal(fixed.code, 0, fixed.stderr);
  const clean = await runCli(["run", slices, "--out", path.join(dir, "clean"), "--workers", "2"]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(await checksums(out), await checksums(path.join(dir, "clean")));
});

test("a slice replaced after a finished run read it: the rerun refuses, naming it, and writes nothing", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  await stack(slices, 4);
  const out = path.join(dir, "out");
  const first = await runCli(["run", slices, "--out", out, "--workers", "2"]);
  assert.equal(first.code, 0, first.stderr);
  const before = await checksums(out);
  // Same name, same size, other pixels: only the content changed.
  copyFileSync(path.join(slices, "img00003.png"), path.join(slices, "img00002.png"));
  const stderr = await expectFailure(["run", slices, "--out", out, "--workers", "2"], /img00002\.png: changed after run run-[0-9a-f]+ read it; resuming would mix old and new content/);
  assert.match(stderr, /start again into an empty output/);
  assert.deepEqual(await checksums(out), before);
});
