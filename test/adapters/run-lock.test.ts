import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { acquireRunLock } from "../../adapters/local/run-lock.js";
import { openLocalState, STATE_FILE } from "../../adapters/local/local-state.js";

test("the run lock refuses a live owner and takes over from a dead one", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emlock-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, ".emingest", "lock");

  const lock = await acquireRunLock(file, "out");
  await lock.release();
  assert.equal(existsSync(file), false);

  const sleeper = spawn("sleep", ["30"]);
  t.after(() => sleeper.kill());
  writeFileSync(file, `${sleeper.pid}\n`);
  await assert.rejects(acquireRunLock(file, "out"), new RegExp(`out: another emingest run \\(pid ${sleeper.pid}\\) is writing`));

  sleeper.kill("SIGKILL");
  await new Promise((resolve) => sleeper.once("exit", resolve));
  const taken = await acquireRunLock(file, "out");
  await taken.release();
});

test("local state after a kill: a stale run lock and a stale database lock are cleared", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emstate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await openLocalState(dir, "out", "r");
  const stamp = "2026-01-01T00:00:00.000Z";
  await first.runs.createRun({ run: "r", status: "rendering", config: {}, totals: {}, details: {}, createdAt: stamp, updatedAt: stamp });
  await first.close();

  // what SIGKILL in the middle of a transaction leaves: the pid lock of a dead process and the VFS lock folder
  const dead = spawn("true");
  await new Promise((resolve) => dead.once("exit", resolve));
  writeFileSync(path.join(dir, ".emingest", "lock"), `${dead.pid}\n`);
  mkdirSync(path.join(dir, STATE_FILE + ".lock"));

  const second = await openLocalState(dir, "out", "r");
  t.after(() => second.close());
  assert.equal((await second.runs.getRun("r"))?.status, "rendering");
  await second.runs.updateRun("r", { status: "pyramid" });
  assert.equal((await second.runs.getRun("r"))?.status, "pyramid");
});

test("local state: a folder that changed after the caller's check is refused under the lock and left as it was", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emclaim-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const users = path.join(dir, "users");
  mkdirSync(users);
  writeFileSync(path.join(users, "notes.txt"), "mine");
  await assert.rejects(openLocalState(users, "users", "r"), /users: the output folder is not empty and holds no emingest run \(it holds notes\.txt\)/);
  assert.deepEqual(readdirSync(users), ["notes.txt"]);

  // Claimed by another run in the meantime: refused, that run's state folder kept.
  const other = path.join(dir, "other");
  mkdirSync(path.join(other, ".emingest"), { recursive: true });
  writeFileSync(path.join(other, ".emingest", "run.json"), JSON.stringify({ tool: "emingest", run: "run-other" }));
  await assert.rejects(openLocalState(other, "other", "r"), /other: the output folder holds emingest run run-other, made from other slices or settings than run r/);
  assert.deepEqual(readdirSync(path.join(other, ".emingest")), ["run.json"]);

  // Empty: claimed, then resumed by the same run.
  const fresh = path.join(dir, "fresh");
  const first = await openLocalState(fresh, "fresh", "r");
  await first.close();
  assert.deepEqual(JSON.parse(readFileSync(path.join(fresh, ".emingest", "run.json"), "utf8")), { tool: "emingest", run: "r" });
  const again = await openLocalState(fresh, "fresh", "r");
  await again.close();
  // Without a run id: the state of the run that claimed the folder, or a refusal that writes nothing.
  const existing = await openLocalState(fresh, "fresh");
  await existing.close();
  const empty = path.join(dir, "empty");
  mkdirSync(empty);
  await assert.rejects(openLocalState(empty, "empty"), /empty: holds no emingest run/);
  assert.deepEqual(readdirSync(empty), []);
});
