// Every kill point of a reexport resumes (issue 16 item 3): the real CLI is killed with SIGKILL right after
// each single write, rename and delete of its switch (EMINGEST_FAULT_KILL_AFTER=switch:k, every k until the
// reexport finishes unkilled), and after every 9th write of the whole reexport (the seeded run in staging
// included); the same command then runs again without faults. The folder must then hold exactly what a
// clean reexport leaves (every file and folder outside .emingest/, sha256 for sha256), be claimed by the new
// run, and hold no staging folder, journal, lock or temporary file. While a switch is pending, `emingest run`
// into the folder is refused by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { runCli } from "../support/cli.js";
import { oneLine, snapshot } from "../hostile/support/output-tree.js";
import { claimOf, sampleSlices, tempDir } from "./support/reexport-case.js";
import { FAULT_ENV, leftBehind, sweepKillPoints } from "../support/kill-sweep.js";

const LANES = 2;
/** Kill points of the whole reexport, every STRIDE-th write (the staging run is the normal pipeline, which test/hostile/kill-points.test.ts sweeps write by write). */
const STRIDE = 9;

test("a reexport killed after any write of its switch (and every 9th write before) resumes to the clean reexport's bytes", { timeout: 1_800_000 }, async (t) => {
  const dir = tempDir(t, "emrxkill-");
  const slices = await sampleSlices(dir, 2, "160x120", { cube: 128 });
  const finished = path.join(dir, "finished");
  const run = await runCli(["run", slices, "--out", finished, "--workers", "1", "--clahe", "2"]);
  assert.equal(run.code, 0, run.stderr);
  const args = (out: string) => ["reexport", out, "--clahe", "3", "--zarr", "--workers", "1"];

  const clean = path.join(dir, "clean");
  cpSync(finished, clean, { recursive: true });
  const reference = await runCli(args(clean));
  assert.equal(reference.code, 0, reference.stderr);
  const expected = await snapshot(clean, [".emingest"]);
  const newRun = await claimOf(clean);

  const failures: string[] = [];
  const seen: Record<string, string[]> = { switch: [], all: [] };
  let refusedDuringSwitch = false;
  const sweep = async (scope: "switch" | "all", step: number): Promise<void> => {
    const folder = (k: number): string => path.join(dir, `${scope}-${k}`);
    const result = await sweepKillPoints({
      step,
      lanes: LANES,
      scope: scope === "switch" ? "switch:" : undefined,
      kill: (k, fault) => {
        cpSync(finished, folder(k), { recursive: true });
        return runCli(args(folder(k)), { [FAULT_ENV]: fault });
      },
      finished: (k) => rmSync(folder(k), { recursive: true, force: true }),
      resume: async (k, what) => {
        const out = folder(k);
        seen[scope].push(what);
        if (!refusedDuringSwitch && existsSync(path.join(out, ".emingest", "reexport", "switch.json"))) {
          const refused = await runCli(["run", slices, "--out", out, "--clahe", "3", "--zarr"]);
          assert.equal(refused.code, 1, refused.stderr);
          assert.match(oneLine(refused), /was interrupted while switching outputs; run `emingest reexport .*` to finish it first$/);
          refusedDuringSwitch = true;
        }
        const rerun = await runCli(args(out));
        const problem =
          rerun.code !== 0
            ? `rerun exited ${rerun.code}:\n${rerun.stderr}`
            : JSON.stringify(await snapshot(out, [".emingest"])) !== JSON.stringify(expected)
              ? "the output differs from the clean reexport's"
              : (await claimOf(out)) !== newRun
                ? "the claim does not name the new run"
                : existsSync(path.join(out, ".emingest", "reexport"))
                  ? "the staging folder or the journal was left behind"
                  : leftBehind(out);
        if (!problem) rmSync(out, { recursive: true, force: true });
        return problem;
      },
    });
    failures.push(...result.failures);
  };
  await sweep("switch", 1);
  await sweep("all", STRIDE);
  assert.deepEqual(failures, []);
  assert.ok(refusedDuringSwitch, "some kill point left a pending switch");
  for (const step of ["switch journal", "switch: old ng moved aside", "switch: new report moved in", "switch: new state moved in", "switch: claim names the new run", "switch: old state deleted", "switch: journal deleted"]) {
    assert.ok(seen.switch.includes(step), `the sweep killed after "${step}": ${seen.switch.join("; ")}`);
  }
  assert.ok(seen.switch.some((w) => /^switch: old ng\/jpeg\/.+ deleted$/.test(w)), "the sweep killed between the deletions of old outputs");
  assert.ok(seen.all.some((w) => /render|pyramid|tmp\//.test(w)), `the sweep killed the staging run: ${seen.all.join("; ")}`);
  t.diagnostic(`switch kill points: ${seen.switch.length}; whole-reexport kill points (every ${STRIDE}th write): ${seen.all.length}`);
});
