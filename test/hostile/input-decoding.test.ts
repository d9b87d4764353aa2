// Hostile input through the real CLI (issue 11 item 4): every case ends in exactly one line naming the
// file and the cause with exit 1, or in the correct volume (tensorstore reads it; signed input equals the
// numpy rule of tools/python/e2e_expected.py), and the user's files are unchanged (a snapshot by lstat,
// which never opens a FIFO or a device). `submit` reads folders by the same rule: the cases marked submit
// run it against fake-gcs-server and check what reached the bucket.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { storageClient } from "../../adapters/gcp/clients.js";
import { checksums } from "../support/cli.js";
import { runPythonJson } from "../support/python.js";
import { startEmulators, type Emulators } from "../cloud/support/emulators.js";
import { runCli } from "../support/cli.js";
import { expectRefusal, samplePixels, snapshot, tempDir, writeTiffStack } from "./support/input-cases.js";
import { tiffBytes } from "./support/tiff-bytes.js";
import { sameRunObject } from "../support/run-bytes.js";

const SPLIT = "emingest reads one slice per file: split it into one file per page (Fiji: File > Save As > Image Sequence; or tiffsplit) and number the files";
const NOT_REGULAR = "not a regular file; slices must be regular files or symbolic links to them";

async function sample(dir: string, count: number, size: number): Promise<void> {
  const r = await runCli(["sample", dir, "--count", String(count), "--size", String(size), "--seed", "5"]);
  assert.equal(r.code, 0, r.stderr);
}

/** A refusal of `run` that leaves the slices as they were and no volume behind. */
async function refusedRun(slices: string, out: string, line: string, extra: string[] = []): Promise<void> {
  const before = await snapshot(slices);
  await expectRefusal(["run", slices, "--out", out, "--workers", "2", ...extra], line);
  assert.deepEqual(await snapshot(slices), before, "the slices folder is unchanged");
  assert.equal(existsSync(path.join(out, "ng")), false, "no volume written");
}

type OracleRows = Record<string, Array<{ scale: number; shape: number[]; expected_shape: number[]; max_abs?: number; mismatches?: number }>>;

async function assertOracle(slices: string, out: string, count: number): Promise<void> {
  const diffs = await runPythonJson<OracleRows>("e2e_expected.py", [slices, out, "0", "8", "0.5", "99.5", "stack"]);
  assert.ok(diffs.raw.length >= 2, "every raw scale compared");
  assert.equal(diffs.raw[0].shape[0], count, "every slice is in the volume");
  for (const d of diffs.raw) assert.equal(d.max_abs, 0, `raw scale ${d.scale}: shape ${d.shape} vs ${d.expected_shape}, ${d.mismatches} voxels differ`);
}

// --- TIFF structure -----------------------------------------------------------------------------------

test("a multi-page TIFF slice is refused naming the file and its page count", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  const plane = { width: 64, height: 64, data: new Uint8Array(64 * 64).map((_, i) => i % 251) };
  await writeTiffStack(slices, [plane, plane, plane, plane], { bits: 8, signed: false }, (v) => v);
  const page = { width: 64, height: 64, bits: 8 as const, signed: false, samples: plane.data };
  writeFileSync(path.join(slices, "img00002.tif"), tiffBytes([page, page, page]));
  await refusedRun(slices, path.join(dir, "out"), `${slices}/img00002.tif: a multi-page TIFF (3 pages); ${SPLIT}`);
});

test("a TIFF whose last strip or tile lies past the end of the file is refused naming the slice", async (t) => {
  const dir = tempDir(t);
  const plane = { width: 64, height: 64, data: new Uint8Array(64 * 64).fill(200) };
  const page = { width: 64, height: 64, bits: 16 as const, signed: false, samples: Array.from(plane.data, (v) => v * 100) };
  // Directories first (ImageJ's order), so a transfer cut short loses pixels, not the header.
  const strips = tiffBytes([page], { directoriesFirst: true, rowsPerStrip: 11 });
  const tiles = tiffBytes([page], { directoriesFirst: true, tile: 16 });
  for (const [label, whole, piece] of [["strips", strips, "strip 5 of 6"], ["tiles", tiles, "tile 15 of 16"]] as const) {
    const slices = path.join(dir, label);
    await writeTiffStack(slices, [plane, plane, plane], { bits: 16, signed: false }, (v) => v * 100);
    writeFileSync(path.join(slices, "img00001.tif"), whole.subarray(0, whole.length - 1000));
    // The last piece holds the file's last bytes: 9 rows of the strips, one 16x16 tile.
    const size = label === "strips" ? 9 * 64 * 2 : 16 * 16 * 2;
    const line = `${slices}/img00001.tif: truncated TIFF: ${piece} (bytes ${whole.length - size}-${whole.length - 1}) lies past the end of the file`;
    await refusedRun(slices, path.join(dir, `out-${label}`), line);
  }
});

// --- signed samples -----------------------------------------------------------------------------------

test("signed 16-bit slices are windowed over their signed range: the volume equals the numpy rule", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const eight = path.join(dir, "eight");
  await sample(eight, 6, 256);
  const planes = await samplePixels(eight, 6);
  const slices = path.join(dir, "signed16");
  // Most of the range is negative (clamping at 0, as before, loses the tissue's contrast).
  await writeTiffStack(slices, planes, { bits: 16, signed: true }, (v, i, z) => -3000 + 17 * v + ((i % 256) + Math.floor(i / 256)) % 5 - 40 * z, { rowsPerStrip: 16 });
  const before = await snapshot(slices);
  const out = path.join(dir, "out");
  const run = await runCli(["run", slices, "--out", out, "--raw", "--workers", "2"]);
  assert.equal(run.code, 0, run.stderr);
  await assertOracle(slices, out, 6);
  assert.deepEqual(await snapshot(slices), before);
});

test("signed 8-bit slices map -128..127 onto 0..255: the volume equals the numpy rule", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const eight = path.join(dir, "eight");
  await sample(eight, 5, 256);
  const slices = path.join(dir, "signed8");
  await writeTiffStack(slices, await samplePixels(eight, 5), { bits: 8, signed: true }, (v) => v - 128, { bigEndian: true });
  const out = path.join(dir, "out");
  const run = await runCli(["run", slices, "--out", out, "--raw", "--workers", "2"]);
  assert.equal(run.code, 0, run.stderr);
  await assertOracle(slices, out, 5);
});

test("a stack mixing signed and unsigned 16-bit slices is refused naming both", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "s");
  const plane = { width: 32, height: 32, data: new Uint8Array(32 * 32).map((_, i) => i % 256) };
  await writeTiffStack(slices, [plane, plane, plane], { bits: 16, signed: false }, (v) => v * 10);
  await writeTiffStack(path.join(dir, "other"), [plane, plane], { bits: 16, signed: true }, (v) => v * 10 - 1000);
  copyFileSync(path.join(dir, "other", "img00001.tif"), path.join(slices, "img00001.tif"));
  await refusedRun(slices, path.join(dir, "out"), `${slices}/img00001.tif: is signed 16-bit but img00000.tif is unsigned 16-bit`);
});

// --- what a folder entry is: symlinks, FIFOs, devices, sockets, folders ----------------------------------

test("a symlinked last slice is read through the link: the same volume as with the file itself", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const copy = path.join(dir, "copy");
  await sample(copy, 4, 128);
  const linked = path.join(dir, "linked");
  await sample(linked, 4, 128);
  mkdirSync(path.join(dir, "archive"));
  renameSync(path.join(linked, "img00003.png"), path.join(dir, "archive", "img00003.png"));
  symlinkSync(path.join(dir, "archive", "img00003.png"), path.join(linked, "img00003.png"));
  const before = await snapshot(dir);
  for (const [slices, out] of [[copy, "out-copy"], [linked, "out-linked"]]) {
    const r = await runCli(["run", slices, "--out", path.join(dir, out), "--workers", "2", "--skip-align"]);
    assert.equal(r.code, 0, r.stderr);
  }
  const info = JSON.parse(readFileSync(path.join(dir, "out-linked", "ng", "jpeg", "info"), "utf8")) as { scales: Array<{ size: number[] }> };
  assert.equal(info.scales[0].size[2], 4, "four slices, the linked one included");
  // The same volume; the provenance beside it differs only in the source folder it names.
  const volume = async (out: string) => Object.entries(await checksums(path.join(dir, out, "ng"))).filter(([k]) => !k.endsWith("/provenance"));
  assert.deepEqual(await volume("out-linked"), await volume("out-copy"));
  const provenance = (out: string) => readFileSync(path.join(dir, out, "ng", "jpeg", "provenance"));
  assert.ok(sameRunObject("ng/jpeg/provenance", provenance("out-linked"), provenance("out-copy")), "provenance differs only in its sources");
  const after = await snapshot(dir);
  for (const [k, v] of Object.entries(before)) assert.equal(after[k], v, `${k} unchanged`);
});

test("FIFOs, devices, sockets, broken links and folders named like slices are refused by name without opening them", { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const cases: Array<[string, (file: string) => void | Promise<() => void>, string]> = [
    ["fifo", (f) => void execFileSync("mkfifo", [f]), `is a FIFO (named pipe), ${NOT_REGULAR}`],
    ["dev-zero", (f) => symlinkSync("/dev/zero", f), `is a device, ${NOT_REGULAR}`],
    ["broken-link", (f) => symlinkSync(path.join(dir, "gone.png"), f), `is a symbolic link to nothing, ${NOT_REGULAR}`],
    ["folder", (f) => mkdirSync(f), "is a folder, not an image file"],
    ["link-to-folder", (f) => symlinkSync(dir, f), "is a folder, not an image file"],
    [
      "socket",
      async (f) => {
        const server = createServer();
        await new Promise<void>((resolve) => server.listen(f, resolve));
        return () => server.close();
      },
      `is a socket, ${NOT_REGULAR}`,
    ],
  ];
  for (const [label, make, reason] of cases) {
    const slices = path.join(dir, label);
    await sample(slices, 3, 64);
    const file = path.join(slices, "img00003.png");
    const cleanup = await make(file);
    await refusedRun(slices, path.join(dir, `out-${label}`), `${file}: ${reason}`);
    if (cleanup) cleanup();
  }
});

// --- slice numbers ------------------------------------------------------------------------------------

test("slice numbers beyond 2^53 and signs before the number are refused by name; a dash separator is a separator", { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  let made = 0;
  const make = async (names: string[]) => {
    const slices = path.join(dir, `s${made++}`);
    await sample(slices, 1, 64);
    for (const name of names) copyFileSync(path.join(slices, "img00000.png"), path.join(slices, name));
    execFileSync("rm", [path.join(slices, "img00000.png")]);
    return slices;
  };
  let s = await make(["img99999999999999999998.png", "img99999999999999999999.png"]);
  await refusedRun(s, path.join(dir, "o1"), `${s}/img99999999999999999998.png: slice number 99999999999999999998 is too large (at most 9007199254740991, 2^53 - 1)`);
  s = await make(["img+3.png", "img+4.png"]);
  await refusedRun(s, path.join(dir, "o2"), `${s}/img+3.png: a sign before the slice number ("+3"); slice numbers are unsigned: rename the slices or give a pattern`);
  s = await make(["z_-2.png", "z_-1.png"]);
  await refusedRun(s, path.join(dir, "o3"), `${s}/z_-1.png: a sign before the slice number ("-1"); slice numbers are unsigned: rename the slices or give a pattern`);
  s = await make(["img-1.png", "img0.png", "img1.png"]);
  await refusedRun(s, path.join(dir, "o4"), `${s}: img-1.png has a "-" before its slice number and img0.png does not: a minus sign or a separator? Rename the slices or give a pattern`);
  s = await make(["img-3.png", "img4.png"]);
  await refusedRun(s, path.join(dir, "o5"), `${s}/img-3.png: a signed slice number ("-3") in pattern "img%d.png"; slice numbers are unsigned: rename the slices`, ["--pattern", "img%d.png"]);
  // "img-0" .. "img-2": the dash separates; slices 0, 1, 2 in that order.
  s = path.join(dir, "dashed");
  await sample(s, 3, 64);
  for (let z = 0; z < 3; z++) renameSync(path.join(s, `img0000${z}.png`), path.join(s, `img-${z}.png`));
  const r = await runCli(["run", s, "--out", path.join(dir, "o6"), "--skip-align", "--workers", "2"]);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(path.join(dir, "o6", "report", "manifest.json"), "utf8")) as { slices: Array<{ z: number; key: string }> };
  assert.deepEqual(manifest.slices, [0, 1, 2].map((z) => ({ z, key: `img-${z}.png` })));
});

// --- submit: the same folder rule, against fake-gcs-server ------------------------------------------------

let emu: Emulators | undefined;
before(async () => {
  emu = await startEmulators(["gcs"]);
});
after(async () => {
  await emu?.stop();
});

test("run: an ingest.json that is a FIFO is refused by name without blocking; one that is a folder likewise", { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  for (const [label, make, reason] of [
    ["fifo", (f: string) => void execFileSync("mkfifo", [f]), "is not a regular file; emingest reads only regular files and symbolic links to them"],
    ["folder", (f: string) => mkdirSync(f), "is a folder, not a file"],
  ] as const) {
    const slices = path.join(dir, label);
    await sample(slices, 2, 64);
    const config = path.join(slices, "ingest.json");
    make(config);
    await refusedRun(slices, path.join(dir, `out-${label}`), `${config}: ${reason}`);
  }
});

test("submit: a symlinked slice is uploaded through the link; FIFOs, devices and an ingest.json FIFO are refused and nothing is uploaded", { timeout: 180_000 }, async (t) => {
  if (!emu) throw new Error("fake-gcs-server did not start");
  const env = { GOOGLE_CLOUD_PROJECT: emu.config.projectId, STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT };
  const storage = storageClient(emu.config);
  const [bucket] = await storage.createBucket("hostile-submit");
  const objects = async (prefix: string) => (await bucket.getFiles({ prefix }))[0].map((f) => f.name).sort();
  const dir = tempDir(t);

  const linked = path.join(dir, "linked");
  await sample(linked, 4, 64);
  writeFileSync(path.join(linked, "ingest.json"), "{}");
  mkdirSync(path.join(dir, "archive"));
  renameSync(path.join(linked, "img00003.png"), path.join(dir, "archive", "img00003.png"));
  symlinkSync(path.join(dir, "archive", "img00003.png"), path.join(linked, "img00003.png"));
  const r = await runCli(["submit", linked, "gs://hostile-submit/linked"], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "submitted 4 slices to gs://hostile-submit/linked\n");
  assert.deepEqual(await objects("linked/"), ["linked/img00000.png", "linked/img00001.png", "linked/img00002.png", "linked/img00003.png", "linked/ingest.json"]);
  const [uploaded] = await bucket.file("linked/img00003.png").download();
  assert.deepEqual(Buffer.from(uploaded), readFileSync(path.join(dir, "archive", "img00003.png")));

  const cases: Array<[string, string, (file: string) => void, string]> = [
    ["fifo", "img00004.png", (f) => void execFileSync("mkfifo", [f]), `is a FIFO (named pipe), ${NOT_REGULAR}`],
    ["dev-zero", "img00004.png", (f) => symlinkSync("/dev/zero", f), `is a device, ${NOT_REGULAR}`],
    ["folder", "img00004.png", (f) => mkdirSync(f), "is a folder, not an image file"],
    ["config-fifo", "ingest.json", (f) => void execFileSync("mkfifo", [f]), "is not a regular file; emingest reads only regular files and symbolic links to them"],
  ];
  for (const [label, name, make, reason] of cases) {
    const slices = path.join(dir, label);
    await sample(slices, 4, 64);
    if (name !== "ingest.json") writeFileSync(path.join(slices, "ingest.json"), "{}");
    make(path.join(slices, name));
    const before = await snapshot(slices);
    await expectRefusal(["submit", slices, `gs://hostile-submit/${label}`], `${path.join(slices, name)}: ${reason}`, env);
    assert.deepEqual(await snapshot(slices), before);
    assert.deepEqual(await objects(`${label}/`), [], `${label}: nothing uploaded`);
  }
});
