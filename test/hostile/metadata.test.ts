// Hostile corpus, metadata class (issue 11 item 5: bounded resolution, RFC 4180 report), through the real CLI.
// A resolution no reader could use is refused at parse with the field named, before anything is written;
// the bounds themselves give a volume tensorstore reads at every scale; slice names with commas, quotes,
// CR and LF come back exactly from report/transforms.csv through Python's csv module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runPythonJson } from "../support/python.js";
import { runKeepingInput, sampleStack, sliceFile, tempDir } from "./support/align-stacks.js";

const refusedResolutions: Array<[string, string[], number, RegExp]> = [
  ["1e308 (Infinity one scale up)", ["--resolution", "1e308,8,8"], 1, /"resolution" must be three numbers \[x, y, z\] from 0\.001 to 1000000 nm, got \[1e\+308,8,8\]/],
  ["zero", ["--resolution", "8,0,8"], 1, /"resolution" must be three numbers .* got \[8,0,8\]/],
  ["an underflow to zero", ["--resolution", "1e-400,8,8"], 1, /"resolution" must be three numbers .* got \[0,8,8\]/],
  ["negative", ["--resolution", "8,8,-40"], 1, /"resolution" must be three numbers .* got \[8,8,-40\]/],
  ["finer than 0.001 nm", ["--resolution", "0.0009,8,8"], 1, /"resolution" must be three numbers/],
  ["coarser than 1 mm", ["--resolution", "8,8,1000001"], 1, /"resolution" must be three numbers/],
  ["not a number", ["--resolution", "8,8,Infinity"], 2, /--resolution must be a number, got "Infinity"/],
];

for (const [name, flags, code, message] of refusedResolutions) {
  test(`resolution ${name}: refused at parse, naming the field, nothing written`, { timeout: 120_000 }, async (t) => {
    const dir = tempDir(t, "emmeta-");
    const slices = path.join(dir, "slices");
    const out = path.join(dir, "out");
    await sampleStack(slices, 2, 64);
    const r = await runKeepingInput(slices, ["run", slices, "--out", out, ...flags]);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr.split("\n")[0], message);
    assert.doesNotMatch(r.stderr, /^ {4}at /m);
    assert.equal(existsSync(out), false, "--out was not created");
  });
}

test("resolution from ingest.json: the file and the field are named", { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, "emmeta-");
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 2, 64);
  writeFileSync(path.join(slices, "ingest.json"), JSON.stringify({ resolution: [4, 4, 1e300] }));
  const r = await runKeepingInput(slices, ["run", slices, "--out", path.join(dir, "out")]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^emingest: .*ingest\.json \+ command line: "resolution" must be three numbers \[x, y, z\] from 0\.001 to 1000000 nm, got \[4,4,1e\+300\]\n$/);
});

test("resolution at the bounds: tensorstore reads every scale; keys are plain decimals, distinct, as the info says", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, "emmeta-");
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 70, 160);
  const r = await runKeepingInput(slices, ["run", slices, "--out", out, "--skip-align", "--raw", "--resolution", "0.001,0.001,1000000", "--workers", "2"]);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(readFileSync(path.join(out, "ng", "raw", "info"), "utf8")) as { scales: Array<{ key: string; size: number[]; resolution: number[] }> };
  const keys = info.scales.map((s) => s.key);
  assert.equal(new Set(keys).size, keys.length);
  for (const s of info.scales) {
    assert.match(s.key, /^[0-9.]+_[0-9.]+_[0-9.]+$/);
    assert.equal(s.key, s.resolution.map(String).join("_"));
  }
  assert.deepEqual(info.scales[0].resolution, [0.001, 0.001, 1e6]);
  // z (1e6 nm) stays put while x and y halve (160, 80, 40, ... 1 voxels), until x is coarser than half of z.
  assert.deepEqual(info.scales.slice(0, 3).map((s) => s.size), [[160, 160, 70], [80, 80, 70], [40, 40, 70]]);
  assert.ok(info.scales[info.scales.length - 1].size[2] < 70, JSON.stringify(info.scales.map((s) => s.size)));
  const read = await runPythonJson<Array<{ key: string; shape: number[] }>>("precomputed_read.py", [path.join(out, "ng", "raw"), path.join(dir, "read")]);
  assert.deepEqual(read.map((s) => s.key), keys);
  assert.deepEqual(read.map((s) => s.shape), info.scales.map((s) => s.size));
});

test("transforms.csv is RFC 4180: slice names with commas, quotes, CR and LF read back exactly by Python's csv", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, "emmeta-");
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 5, 256);
  const names = ['slice,one "q" 00000.png', 'slice,"two" 00001.png', "new\nline 00002.png", 'x""y,z 00003.png', "cr\rhere, 00004.png"];
  names.forEach((name, z) => renameSync(sliceFile(slices, z), path.join(slices, name)));
  assert.deepEqual(readdirSync(slices).filter((f) => f.endsWith(".png")).sort(), [...names].sort(), "the file system holds these names");
  const r = await runKeepingInput(slices, ["run", slices, "--out", out, "--workers", "2"]);
  assert.equal(r.code, 0, r.stderr);

  const file = path.join(out, "report", "transforms.csv");
  const { rows } = await runPythonJson<{ rows: string[][] }>("csv_read.py", [file]);
  assert.deepEqual(rows[0], ["z", "key", "source", "a", "b", "c", "d", "e", "f", "model", "inliers", "inlier_ratio", "residual_px", "flags"]);
  assert.equal(rows.length, 1 + names.length);
  assert.ok(rows.every((row) => row.length === 14));
  const report = JSON.parse(readFileSync(path.join(out, "report", "transforms.json"), "utf8")) as {
    slices: Array<{ z: number; key: string; source: number; global: number[]; pair: { model: string; inliers: number } | null }>;
  };
  report.slices.forEach((s, i) => {
    const row = rows[i + 1];
    assert.equal(row[1], names[s.z], "the key is the file name, exactly");
    assert.deepEqual([Number(row[0]), row[1], Number(row[2])], [s.z, s.key, s.source]);
    row.slice(3, 9).forEach((v, k) => assert.ok(Math.abs(Number(v) - s.global[k]) <= 5e-7, `${v} vs ${s.global[k]}`));
    assert.equal(row[9], s.pair?.model ?? "");
    assert.equal(row[10], s.pair ? String(s.pair.inliers) : "");
  });
  // Records end with CRLF; the only bare LF and CR are the ones inside the quoted names.
  const text = readFileSync(file, "utf8");
  assert.ok(text.endsWith("\r\n"));
  assert.equal(text.split("\r\n").length - 1, 1 + names.length, "one CRLF per record (the CR in 'cr\\rhere' is followed by 'h')");
});
