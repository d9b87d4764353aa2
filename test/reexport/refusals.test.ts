// What `emingest reexport` refuses, through the real CLI: each refusal is one line naming the setting,
// folder, file or slice, exit 1, and the folder exactly as it was (every file, folder and the run state).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runCli } from "../support/cli.js";
import { oneLine, snapshot } from "../hostile/support/output-tree.js";
import { sampleSlices, tempDir } from "./support/reexport-case.js";

test("reexport refuses by name, and changes nothing: alignment and input settings, an unfinished run, a foreign folder, user files, changed slices", { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, "emrxrefuse-");
  const slices = await sampleSlices(dir, 3, "160x120", { cube: 128 });
  const finished = path.join(dir, "finished");
  const run = await runCli(["run", slices, "--out", finished, "--workers", "1"]);
  assert.equal(run.code, 0, run.stderr);

  // The state as well as the outputs; only a stale run lock (of a killed process) is taken and released, as
  // `emingest run` does.
  const state = async (out: string) => Object.fromEntries(Object.entries(await snapshot(out)).filter(([k]) => k !== ".emingest/lock"));
  const refused = async (out: string, args: readonly string[], expected: RegExp): Promise<void> => {
    const before = await state(out);
    const r = await runCli(["reexport", out, ...args]);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(oneLine(r), expected);
    assert.deepEqual(await state(out), before, `${args.join(" ")}: the folder is as it was`);
  };

  // Settings that decide the alignment or what is read: named, with what may change instead.
  const setting = (name: string) => new RegExp(`^command line: "${name.replace(".", "\\.")}" is an alignment or input setting .*; a reexport keeps the stored alignment, so only claheClip, .* may change`);
  await refused(finished, ["--detector", "sift"], setting("align.detector"));
  await refused(finished, ["--max-consecutive-bad", "3"], setting("align.maxConsecutiveBad"));
  await refused(finished, ["--max-failed-pair-share", "0.5"], setting("align.maxFailedPairShare"));
  await refused(finished, ["--minz", "1"], setting("minz"));
  await refused(finished, ["--resolution", "4,4,4"], setting("resolution"));
  await refused(finished, ["--downsample", "2"], setting("downsample"));
  await refused(finished, ["--window16", "1,99", "--clahe", "2"], setting("window16"));
  await refused(finished, ["--skip-align"], setting("skipAlign"));

  // A run that did not finish (killed after its 40th write): finish it first.
  const killed = path.join(dir, "killed");
  const k = await runCli(["run", slices, "--out", killed, "--workers", "1"], { EMINGEST_FAULT_KILL_AFTER: "40" });
  assert.equal(k.signal, "SIGKILL", k.stderr);
  await refused(killed, ["--clahe", "2"], /^.*killed: run run-[0-9a-f]{12} is not finished \(\w+\); finish it with `emingest run` before reexporting it$/);

  // A folder no run claimed, and one that is missing.
  const foreign = path.join(dir, "foreign");
  mkdirSync(path.join(foreign, "ng"), { recursive: true });
  writeFileSync(path.join(foreign, "ng", "info"), "{}");
  await refused(foreign, ["--clahe", "2"], /foreign: holds no emingest run to reexport$/);
  const missing = await runCli(["reexport", path.join(dir, "missing"), "--clahe", "2"]);
  assert.equal(missing.code, 1);
  assert.match(oneLine(missing), /missing: does not exist$/);
  assert.equal(existsSync(path.join(dir, "missing")), false);

  // A file the run did not write, anywhere outside .emingest/: the reexport would replace its folder.
  const withNotes = path.join(dir, "notes");
  cpSync(finished, withNotes, { recursive: true });
  writeFileSync(path.join(withNotes, "report", "my-notes.txt"), "mine");
  await refused(withNotes, ["--clahe", "2"], /notes: holds report\/my-notes\.txt, which run run-[0-9a-f]{12} did not write; a reexport replaces the folder's outputs, so move it out first$/);

  // A damaged output: repair it first.
  const damaged = path.join(dir, "damaged");
  cpSync(finished, damaged, { recursive: true });
  writeFileSync(path.join(damaged, "report", "summary.json"), "{}");
  await refused(damaged, ["--clahe", "2"], /damaged: the output of run run-[0-9a-f]{12} is damaged \(report\/summary\.json is shorter than the \d+ bytes recorded\); rerun `emingest run` over it to repair it first$/);

  // A slice replaced since the run aligned it: the stored alignment is not its.
  const slice = path.join(slices, "img00001.png");
  cpSync(path.join(slices, "img00002.png"), slice);
  await refused(finished, ["--clahe", "2"], /img00001\.png: changed since run run-[0-9a-f]{12} was aligned from it; the stored alignment is not theirs/);
});
