// Resume: a real SIGKILL in the middle of a run, then the same command again. The output must equal an
// uninterrupted run's, object for object, and tasks recorded as done before the kill must not run again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openLocalState } from "../../adapters/local/local-state.js";
import { STAGES } from "../../core/pipeline/stages.js";
import { checksums, runCli, startCli } from "../support/cli.js";

test("a run killed mid-render resumes to byte-identical output without redoing finished tasks", { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emres-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const slices = path.join(dir, "slices");
  const clean = path.join(dir, "clean");
  const killed = path.join(dir, "killed");
  const sample = await runCli(["sample", slices, "--count", "24", "--size", "768", "--seed", "3"]);
  assert.equal(sample.code, 0, sample.stderr);
  const args = (out: string) => ["run", slices, "--out", out, "--raw", "--json", "--workers", "2"];

  const reference = await runCli(args(clean));
  assert.equal(reference.code, 0, reference.stderr);

  const first = startCli(args(killed));
  let rendered = 0;
  first.stderrLines((line) => {
    const m = /^render +\[[#.]+\] (\d+)\/(\d+)/.exec(line);
    if (m && Number(m[1]) > 0 && Number(m[1]) < Number(m[2]) && rendered === 0) {
      rendered = Number(m[1]);
      first.child.kill("SIGKILL");
    }
  });
  const stopped = await first.done;
  assert.equal(stopped.signal, "SIGKILL", `the run was not killed mid-render:\n${stopped.stderr}`);

  // opened the way a rerun opens it: the killed process's locks are stale and are cleared
  const run = JSON.parse(reference.stdout).run as string;
  const state = await openLocalState(killed, "killed", run);
  const runs = state.runs;
  const doneBefore: Record<string, number> = {};
  for (const stage of STAGES) doneBefore[stage] = (await runs.countTasks(run, stage)).done;
  await state.close();
  assert.equal(doneBefore.features, 24);
  assert.equal(doneBefore.align, 23);
  assert.equal(doneBefore.bridge, 0, "every pair of the sample aligns: nothing to bridge");
  assert.ok(doneBefore.render > 0 && doneBefore.render < 24, `render done before the kill: ${doneBefore.render}`);

  const resumed = await runCli(args(killed));
  assert.equal(resumed.code, 0, resumed.stderr);
  const result = JSON.parse(resumed.stdout);
  assert.deepEqual(result.skipped, doneBefore, "tasks recorded as done were skipped");
  assert.equal(result.executed.features, 0);
  assert.equal(result.executed.align, 0);
  assert.equal(result.executed.render, 24 - doneBefore.render);
  assert.match(resumed.stderr, /render: 24 task\(s\) \(\d+ already done, resuming\)/);

  assert.deepEqual(await checksums(killed), await checksums(clean));
  // The killed writers' temporary files live in the run's own .emingest/writes/ (never beside the objects,
  // where a user's *.partial could be taken for one): the resume removed them.
  assert.deepEqual(readdirSync(path.join(killed, ".emingest", "writes")), []);
});
