// A checkout whose native addon was never built (set-up skipped): `emingest run` stops before it touches
// the output, says what is missing and how to build it, with no stack trace. The CLI runs from a copy of
// dist/ (node_modules linked) that has no native/build beside it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "../support/python.js";

test("emingest run without the native addon: exit 1 naming the addon and `npm run setup`, nothing written", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emaddon-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const copy = path.join(dir, "checkout");
  cpSync(path.join(repoRoot, "dist"), path.join(copy, "dist"), { recursive: true });
  cpSync(path.join(repoRoot, "package.json"), path.join(copy, "package.json"));
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(copy, "node_modules"), "dir");
  const cli = path.join(copy, "dist", "cli", "main.js");
  const slices = path.join(dir, "slices");
  const sample = spawnSync(process.execPath, [cli, "sample", slices, "--count", "2", "--size", "64"], { encoding: "utf8" });
  assert.equal(sample.status, 0, sample.stderr);

  const out = path.join(dir, "out");
  const run = spawnSync(process.execPath, [cli, "run", slices, "--out", out], { encoding: "utf8" });
  assert.equal(run.status, 1, run.stdout + run.stderr);
  const addon = path.join(copy, "native", "build", "emingest-cv.node");
  assert.ok(run.stderr.includes(`native OpenCV addon is not built (${addon}): run \`npm run setup\``), run.stderr);
  assert.doesNotMatch(run.stderr, /^ {4}at /m, "no stack trace");
  assert.equal(existsSync(out), false, "nothing written");
});
