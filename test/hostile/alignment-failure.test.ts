// Hostile corpus, alignment class (issue 11 item 2), through the real CLI: a stack that cannot be aligned is
// never a volume at exit 0, and a stack with a few bad slices costs exactly those slices. Each case checks the
// exit code, the one-line-per-pair error or the output (tensorstore reads it), and that the input folder is
// byte-for-byte unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { runCli } from "../support/cli.js";
import {
  alignmentErrorLines,
  assertEvidence,
  assertNoVolume,
  assertSubstitutedExactly,
  localRun,
  runKeepingInput,
  sampleStack,
  sliceFile,
  tempDir,
  writeBlank,
  writeNoise,
} from "./support/align-stacks.js";

const SIZE = 512;
const run = (slices: string, out: string, ...more: string[]) => ["run", slices, "--out", out, "--workers", "2", ...more];
/** The pairs the align stage matches in a stack of n at the default nAdjacent, in the order the error lists them. */
const matchedPairs = (n: number) => Array.from({ length: n }, (_, from) => Array.from({ length: DEFAULT_CONFIG.align.nAdjacent }, (_, j) => [from, from + j + 1])).flat().filter(([, to]) => to < n);

test("a stack of pure noise: exit 1, one line per failed pair, no volume, the run recorded failed; a rerun says the same", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 8, 256);
  for (let z = 0; z < 8; z++) await writeNoise(sliceFile(slices, z), 256, 100 + z);
  const r = await runKeepingInput(slices, run(slices, out));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const error = alignmentErrorLines(r.stderr);
  assert.match(error.headline, /: 7 of 7 pairs \(z-1, z\) failed \(100\.0%\), more than align\.maxFailedPairShare 0\.1 allows; no pair aligned at all$/);
  assert.deepEqual(error.pairs.map((l) => l.match(/^ {2}pair \((\d+), (\d+)\)/)?.slice(1).map(Number)), matchedPairs(8));
  assert.match(error.fix, /--skip-align/);
  assertNoVolume(out);
  const record = await localRun(out);
  assert.equal(record?.status, "failed");
  assert.equal(record?.details.failedStage, "plan");
  assert.equal(record?.details.error, [error.headline.replace(/^emingest: /, ""), ...error.pairs, error.fix].join("\n"));

  const again = await runKeepingInput(slices, run(slices, out));
  assert.equal(again.code, 1);
  assert.deepEqual(alignmentErrorLines(again.stderr), error, "the same refusal, not 'already done'");
  assertNoVolume(out);
});

test("constant slices: exit 1, every pair names no-features, only unaligned stacking is offered", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 6, 256);
  for (let z = 0; z < 6; z++) await writeBlank(sliceFile(slices, z), 256, 40 + 10 * z);
  const r = await runKeepingInput(slices, run(slices, out));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const error = alignmentErrorLines(r.stderr);
  assert.equal(error.pairs.length, matchedPairs(6).length);
  for (const line of error.pairs) assert.match(line, /: no-features: a slice has too few keypoints/);
  assert.match(error.fix, /^to go on: stack the slices unaligned with skipAlign \(--skip-align\);/);
  assertNoVolume(out);
  // The way out it names works: unaligned stacking, into the same folder (a new run: refused) or a new one.
  const same = await runKeepingInput(slices, run(slices, out, "--skip-align"));
  assert.equal(same.code, 1);
  assert.equal(same.stderr.trimEnd().split("\n").length, 1, same.stderr);
  assert.match(same.stderr, /run-[0-9a-f]{12}/, "the refusal names the run the folder holds");
  const skipped = await runKeepingInput(slices, run(slices, path.join(dir, "out2"), "--skip-align"));
  assert.equal(skipped.code, 0, skipped.stderr);
});

test("a good stack with a too-strict maxEpsilon: exit 1 naming align.maxEpsilon; the fixed setting runs in a new output", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 8, SIZE);
  const config = path.join(dir, "strict.json");
  writeFileSync(config, JSON.stringify({ align: { maxEpsilon: 0.01 } }));
  const r = await runKeepingInput(slices, run(slices, out, "--config", config));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const error = alignmentErrorLines(r.stderr);
  assert.match(error.headline, /: 7 of 7 pairs \(z-1, z\) failed/);
  assert.equal(error.pairs.length, matchedPairs(8).length);
  for (const line of error.pairs) assert.match(line, /too-few-inliers: \d+ of \d+ matches within align\.maxEpsilon 0\.01 px, fewer than align\.minNumInliers 20/);
  assert.match(error.fix, /^to go on: loosen align\.maxEpsilon or align\.minNumInliers\b.* \(see the reasons above\)/);
  assertNoVolume(out);

  // Fixed (the default maxEpsilon) into the same folder: a different run, refused in one line; into a new one: done.
  const same = await runKeepingInput(slices, run(slices, out));
  assert.equal(same.code, 1);
  assert.equal(same.stderr.trimEnd().split("\n").length, 1, same.stderr);
  assert.match(same.stderr, /run-[0-9a-f]{12}/, "the refusal names the run the folder holds");
  const fixed = await runKeepingInput(slices, run(slices, path.join(dir, "fixed"), "--json"));
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.deepEqual(JSON.parse(fixed.stdout).summary.substitutions, []);
});

test("a too-strict setting given with a flag keeps the config file's align fields", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 4, 256);
  writeFileSync(path.join(slices, "ingest.json"), JSON.stringify({ align: { maxEpsilon: 0.01 } }));
  const r = await runKeepingInput(slices, run(slices, path.join(dir, "out"), "--max-failed-pair-share", "0.5"));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const error = alignmentErrorLines(r.stderr);
  assert.match(error.headline, /more than align\.maxFailedPairShare 0\.5 allows/);
  assert.match(error.pairs[0], /align\.maxEpsilon 0\.01 px/);
});

test("a blank first slice: exit 0, only it is stood in for (by slice 1), every good plane is its own slice", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 24, SIZE);
  await writeBlank(sliceFile(slices, 0), SIZE);
  const r = await runKeepingInput(slices, run(slices, out, "--raw"));
  assert.equal(r.code, 0, r.stderr);
  await assertSubstitutedExactly(slices, out, [0], SIZE);
  const [first] = assertEvidence(out, [0], "no-features");
  assert.deepEqual(first.evidence.map((e) => e.pair), [[0, 1], [0, 2], [0, 3]]);
  assert.equal((await localRun(out))?.status, "done");
});

test("a blank last slice: exit 0, only it is stood in for (by the slice before it)", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 24, SIZE);
  await writeBlank(sliceFile(slices, 23), SIZE);
  const r = await runKeepingInput(slices, run(slices, out, "--raw"));
  assert.equal(r.code, 0, r.stderr);
  await assertSubstitutedExactly(slices, out, [23], SIZE);
  const [last] = assertEvidence(out, [23], "no-features");
  assert.deepEqual(last.evidence.map((e) => e.pair), [[20, 23], [21, 23], [22, 23]]);
});

test("two adjacent blank slices: exit 0, exactly those two are stood in for; the slice after them is its own", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 32, SIZE);
  await writeBlank(sliceFile(slices, 12), SIZE);
  await writeNoise(sliceFile(slices, 13), SIZE, 7);
  const r = await runKeepingInput(slices, run(slices, out, "--raw"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 bad slice\(s\) stood in for by a neighbour/);
  await assertSubstitutedExactly(slices, out, [12, 13], SIZE);
  const evidence = assertEvidence(out, [12, 13]);
  assert.ok(evidence[0].evidence.some((e) => e.flags.includes("no-features")));
});

test("three adjacent blank slices: exit 1 naming align.maxConsecutiveBad; with it raised to 3, exactly those three", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 32, SIZE);
  for (const z of [12, 13, 14]) await writeBlank(sliceFile(slices, z), SIZE, 100 + z);
  const out = path.join(dir, "out");
  const r = await runKeepingInput(slices, run(slices, out, "--max-failed-pair-share", "0.2"));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const error = alignmentErrorLines(r.stderr);
  assert.match(error.headline, /slices 12-14 are bad \(up to 3 in a row\), more than align\.maxConsecutiveBad 2 allows; the good slices fall into 2 parts that no aligned pair joins: \[0-11\] \| \[15-31\]$/);
  assert.match(error.fix, /accept the bad slices with align\.maxFailedPairShare \(--max-failed-pair-share\) and align\.maxConsecutiveBad \(--max-consecutive-bad\)/);
  assertNoVolume(out);

  const wider = path.join(dir, "wider");
  const ok = await runKeepingInput(slices, run(slices, wider, "--raw", "--max-failed-pair-share", "0.2", "--max-consecutive-bad", "3"));
  assert.equal(ok.code, 0, ok.stderr);
  await assertSubstitutedExactly(slices, wider, [12, 13, 14], SIZE);
  assertEvidence(wider, [12, 13, 14], "no-features");
});

test("one blank slice in a short stack is more than the default share: refused, and accepted when asked", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 8, 256);
  await writeBlank(sliceFile(slices, 4), 256);
  const r = await runKeepingInput(slices, run(slices, path.join(dir, "out")));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const error = alignmentErrorLines(r.stderr);
  assert.match(error.headline, /: 2 of 7 pairs \(z-1, z\) failed \(28\.6%\), more than align\.maxFailedPairShare 0\.1 allows$/);
  assert.deepEqual(error.pairs.map((l) => l.slice(0, 14)), matchedPairs(8).filter((p) => p.includes(4)).map(([a, b]) => `  pair (${a}, ${b}):`));
  assert.match(error.fix, /--max-failed-pair-share/);
  const accepted = await runCli(run(slices, path.join(dir, "accepted"), "--max-failed-pair-share", "0.3", "--json"));
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.deepEqual(JSON.parse(accepted.stdout).summary.substitutions.map((s: { z: number }) => s.z), [4]);
});

test("policy settings out of range are refused at parse, naming the field", async (t) => {
  const dir = tempDir(t);
  const slices = path.join(dir, "slices");
  await sampleStack(slices, 2, 64);
  const cases: Array<[string[], RegExp]> = [
    [["--max-failed-pair-share", "1.5"], /"align": "maxFailedPairShare" must be a number from 0 to 1, got 1\.5/],
    [["--max-consecutive-bad", "17"], /"align": "maxConsecutiveBad" must be a number from 0 to 16, got 17/],
    [["--max-consecutive-bad", "1.5"], /--max-consecutive-bad must be a whole number, got "1\.5"/],
    [["--n-adjacent", "9"], /"align": "nAdjacent" must be a number from 1 to 8, got 9/],
    [["--n-adjacent", "0"], /"align": "nAdjacent" must be a number from 1 to 8, got 0/],
  ];
  for (const [flags, message] of cases) {
    const out = path.join(dir, "out");
    const r = await runKeepingInput(slices, run(slices, out, ...flags));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.split("\n")[0], message, "the first line names the field");
  }
});
