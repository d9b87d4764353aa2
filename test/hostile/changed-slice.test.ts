// Hostile corpus, input class: a slice rewritten while the run is going (the microscope's software still
// saving into the folder, a corrected slice copied in mid-run). Its features were found from one version;
// rendering the other would put content the alignment never saw into the volume, at exit 0. Through the
// real CLI: the slice is replaced the moment the align stage starts (every features task has read its slice,
// no render task has), and the run must stop with one line naming the slice, leave no volume a rerun could
// trust, and the rerun must refuse to resume over it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, renameSync } from "node:fs";
import path from "node:path";
import { checksums, runCli, startCli } from "../support/cli.js";
import { sampleStack, sliceFile, tempDir } from "./support/align-stacks.js";
import { assertOneLine, PROGRESS } from "./support/failure-line.js";

test("a slice replaced after its features were found: exit 1 naming it, no volume; the rerun refuses; the other slices untouched", { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, "emchanged-");
  const slices = path.join(dir, "slices");
  const out = path.join(dir, "out");
  await sampleStack(slices, 12, 512);
  const last = sliceFile(slices, 11);
  copyFileSync(sliceFile(slices, 10), path.join(dir, "replacement.png"));
  const before = await checksums(slices);

  const run = startCli(["run", slices, "--out", out, "--workers", "2"]);
  let replaced = false;
  run.stderrLines((line) => {
    if (!replaced && line.startsWith("align:")) {
      // As a writer does it: a new file renamed over the old one.
      renameSync(path.join(dir, "replacement.png"), last);
      replaced = true;
    }
  });
  const r = await run.done;
  assert.ok(replaced, `the align stage never started:\n${r.stderr}`);
  // A failed stage is reported as its header line and one line per failed task (stage-steps.ts).
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l !== "" && !PROGRESS.test(l));
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], /^emingest: run run-\w+: 1 render task\(s\) failed:$/);
  assert.ok(lines[1].startsWith(`  render-11: ${last}: changed during the run`), lines[1]);
  assert.ok(lines[1].endsWith("start again into an empty output"), lines[1]);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.equal(existsSync(path.join(out, "report", "summary.json")), false, "no finished run's report");
  assert.equal(existsSync(path.join(out, "tmp", "render", "11.raw")), false, "slice 11 was not rendered");

  const after = await checksums(slices);
  assert.deepEqual({ ...after, "img00011.png": undefined }, { ...before, "img00011.png": undefined }, "the other slices are as they were");
  assert.notEqual(after["img00011.png"], before["img00011.png"]);

  // The rerun: its features task read the old slice 11, so the run cannot resume over the new one.
  const again = await runCli(["run", slices, "--out", out, "--workers", "2"]);
  assertOneLine(again, 1, [last, "changed after run", "start again into an empty output"]);
  assert.equal(existsSync(path.join(out, "report", "summary.json")), false);
  assert.deepEqual(await checksums(slices), after, "the rerun changed no input");
});
