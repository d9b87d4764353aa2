// A reexport interrupted and followed by one with other settings (issue 16 item 3, its leftovers): the second
// finishes, names the first one's staging folder in a note and keeps it (it was written by an earlier
// command, and a rerun of that reexport finishes it from there); the rerun then does, and its staging folder
// goes with its switch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { runCli } from "../support/cli.js";
import { claimOf, sampleSlices, tempDir } from "./support/reexport-case.js";
import { FAULT_ENV } from "../support/kill-sweep.js";

test("a reexport with other settings names and keeps the staging folder of an interrupted one, which a rerun then finishes", { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, "emrxleft-");
  const slices = await sampleSlices(dir, 2, "160x120", { cube: 128 });
  const out = path.join(dir, "out");
  const run = await runCli(["run", slices, "--out", out, "--workers", "1"]);
  assert.equal(run.code, 0, run.stderr);
  const staging = path.join(out, ".emingest", "reexport");

  const killed = await runCli(["reexport", out, "--clahe", "3", "--workers", "1"], { [FAULT_ENV]: "12" });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  const [left] = readdirSync(staging).filter((n) => n.startsWith("run-"));
  assert.ok(left, "the killed reexport left its staging folder");

  const other = await runCli(["reexport", out, "--clahe", "4", "--workers", "1"]);
  assert.equal(other.code, 0, other.stderr);
  const note = `${other.stdout}${other.stderr}`.split("\n").filter((l) => l.includes(left));
  assert.equal(note.length, 1, `${other.stdout}${other.stderr}`);
  assert.match(note[0], /holds an interrupted reexport with other settings; it is kept \(rerun that reexport to finish it, or delete the folder to free its space\)$/);
  assert.ok(existsSync(path.join(staging, left)), "the interrupted reexport's staging folder is kept");

  const rerun = await runCli(["reexport", out, "--clahe", "3", "--workers", "1"]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.equal(await claimOf(out), left, "the folder holds the run the interrupted reexport was making");
  assert.equal(existsSync(staging), false, "no staging folder is left once both are done");
});
