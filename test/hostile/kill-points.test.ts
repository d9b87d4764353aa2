// Every kill point resumes (issue 11 item 3): the real CLI is killed with SIGKILL right after its k-th write
// (object put in its two halves, delete, run-state change: adapters/local/fault-injection.ts), for every k
// of a small stack's run, not a sample; the same command then runs again without faults. Every object it
// leaves (every file and folder outside .emingest/, the state database and lock, which are not outputs)
// must equal a clean run's, sha256 for sha256, and nothing of the killed writer may be left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../support/cli.js";
import { snapshot } from "./support/output-tree.js";
import { FAULT_ENV, leftBehind, sweepKillPoints } from "../support/kill-sweep.js";

/** Kill points in flight at once (each is a killed run, then its rerun). */
const LANES = 2;

test("a run killed after any one of its writes resumes to the clean run's bytes, for every write", { timeout: 1_800_000 }, async (t) => {
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), "emkill-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Two slices that align (160x120), two cubes of 128 px: every stage has tasks, and the scale above the cube
  // size is made by the reduce step from tmp/top/ (the kill that used to leave a run no rerun could finish).
  const slices = path.join(dir, "slices");
  const sample = await runCli(["sample", slices, "--count", "2", "--size", "160x120", "--seed", "3"]);
  assert.equal(sample.code, 0, sample.stderr);
  rmSync(path.join(slices, "ground-truth.json"));
  writeFileSync(path.join(slices, "ingest.json"), JSON.stringify({ cube: 128 }));
  const args = (out: string) => ["run", slices, "--out", out, "--workers", "1"];

  const clean = path.join(dir, "clean");
  const reference = await runCli(args(clean));
  assert.equal(reference.code, 0, reference.stderr);
  const expected = await snapshot(clean, [".emingest"]);
  assert.ok(Object.keys(expected).some((k) => /^ng\/jpeg\/32_32_32\/.+\.shard$/.test(k)), "the stack has a scale made by the reduce step");
  assert.ok(!Object.keys(expected).some((k) => k.startsWith("tmp")), "a finished run leaves no tmp/");

  const { killedAfter, limit, failures } = await sweepKillPoints({
    step: 1,
    lanes: LANES,
    kill: (k, fault) => runCli(args(path.join(dir, `k${k}`)), { [FAULT_ENV]: fault }),
    finished: (k) => rmSync(path.join(dir, `k${k}`), { recursive: true, force: true }),
    resume: async (k) => {
      const out = path.join(dir, `k${k}`);
      const rerun = await runCli(args(out));
      const problem =
        rerun.code !== 0
          ? `rerun exited ${rerun.code}:\n${rerun.stderr}`
          : JSON.stringify(await snapshot(out, [".emingest"])) !== JSON.stringify(expected)
            ? `the output differs from the clean run's`
            : leftBehind(out);
      if (!problem) rmSync(out, { recursive: true, force: true });
      return problem;
    },
  });
  assert.deepEqual(failures, []);

  const points = limit - 1;
  const seen = killedAfter.slice(1);
  assert.equal(seen.length, points);
  assert.ok(seen.every((w) => typeof w === "string"), "every k below the limit was a kill point");
  // The points span the whole run, from the lock to the last delete of tmp/.
  assert.equal(seen[0], "run lock");
  assert.ok(seen.includes("run claim") && seen.includes("state database"));
  for (const stage of ["features", "align", "render", "pyramid"]) {
    assert.ok(seen.some((w) => w.startsWith(`record task ${stage}-`)), `a kill point after a ${stage} task is recorded`);
  }
  assert.ok(seen.some((w) => w.startsWith("temporary file of ng/jpeg/")), "a kill point between a shard's temporary file and its rename");
  assert.ok(seen.some((w) => /-> done\)$/.test(w)), "a kill point right after the run is marked done");
  // tmp/ is deleted with several deletes in flight (tmp-layout.ts), so which key a kill point's label names
  // varies from run to run; that some kill point falls among them does not.
  assert.ok(seen.some((w) => w.startsWith("delete tmp/") && w !== "delete tmp/plan.json"), "a kill point while tmp/ is deleted");
  assert.equal(seen[points - 1], "delete tmp/plan.json", "the plan is the last thing a run deletes");
  t.diagnostic(`kill points exercised: ${points} (every write of the run); wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
