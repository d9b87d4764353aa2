// Issue 16 item 3: `emingest reexport` through the real CLI. A run A with --clahe 2, reexported with
// --clahe 3 --zarr, holds exactly the objects of a fresh run B with --clahe 3 --zarr (every object, byte for
// byte, sameRunObject), with B's run id and no feature or match task run; the old outputs are gone, the
// staging folder too; `emingest run` with the new settings finds the run done; `emingest serve` shows it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { cliPath, runCli } from "../support/cli.js";
import { claimOf, differingObjects, outputFiles, sampleSlices, tempDir } from "./support/reexport-case.js";

test("reexport --clahe 3 --zarr of a --clahe 2 run equals a fresh --clahe 3 --zarr run, object for object", { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, "emreexport-");
  // Two cubes of 128 px in x and y: the reduce step makes the top scale, as in a real stack.
  const slices = await sampleSlices(dir, 6, "256", { cube: 128 });
  const a = path.join(dir, "a");
  const b = path.join(dir, "b");
  const first = await runCli(["run", slices, "--out", a, "--clahe", "2", "--workers", "2"]);
  assert.equal(first.code, 0, first.stderr);
  const oldRun = await claimOf(a);
  const before = await outputFiles(a);

  const reexport = await runCli(["reexport", a, "--clahe", "3", "--zarr", "--workers", "2", "--json"]);
  assert.equal(reexport.code, 0, reexport.stderr);
  const result = JSON.parse(reexport.stdout) as { from: string; run: string; executed: Record<string, number> };
  const fresh = await runCli(["run", slices, "--out", b, "--clahe", "3", "--zarr", "--workers", "2"]);
  assert.equal(fresh.code, 0, fresh.stderr);

  assert.equal(result.from, oldRun);
  assert.equal(result.run, await claimOf(b), "the reexport has the run id of a fresh run with its settings");
  assert.equal(await claimOf(a), result.run, "the claim names the new run");
  assert.deepEqual(await differingObjects(a, b), [], "every object of the reexport is the fresh run's");
  const after = await outputFiles(a);
  assert.ok([...after.keys()].some((k) => k.startsWith("ng/zarr/")), "the reexport wrote the zarr copy");
  assert.ok(
    [...before].some(([k, bytes]) => k.endsWith(".shard") && after.has(k) && !Buffer.from(bytes).equals(Buffer.from(after.get(k) ?? []))),
    "the jpeg shards changed with the contrast (the test would not tell otherwise)",
  );
  assert.equal(existsSync(path.join(a, ".emingest", "reexport")), false, "the staging folder and the switch journal are gone");
  assert.equal(existsSync(path.join(a, ".emingest", "lock")), false, "the run lock was released");

  // No feature or match work: no features, align or bridge task ran; their records are the old run's, copied.
  assert.deepEqual({ ...result.executed, render: 0, pyramid: 0 }, { features: 0, align: 0, bridge: 0, render: 0, pyramid: 0 });
  assert.ok(result.executed.render === 6 && result.executed.pyramid > 0, JSON.stringify(result.executed));
  const state = new SqliteRunStore(path.join(a, ".emingest", "state.sqlite"));
  try {
    assert.equal((await state.getRun(result.run))?.status, "done");
    const records = async (run: string, stage: string) => (await state.listTasks(run, stage)).map((r) => JSON.stringify({ ...r, run: undefined }));
    assert.equal((await state.listTasks(result.run, "align")).length, 5, "the 5 pair outcomes were copied");
    assert.equal((await state.listTasks(result.run, "features")).length, 6);
    const freshState = new SqliteRunStore(path.join(b, ".emingest", "state.sqlite"));
    try {
      // The fresh run's own features and pair records hold what the copied ones hold (durations aside).
      const strip = (list: string[]) => list.map((r) => JSON.stringify({ ...JSON.parse(r), durationMs: 0, attempts: 0 }));
      for (const stage of ["features", "align"]) {
        const fresh = (await freshState.listTasks(result.run, stage)).map((r) => JSON.stringify({ ...r, run: undefined }));
        assert.deepEqual(strip(await records(result.run, stage)), strip(fresh), stage);
      }
    } finally {
      freshState.close();
    }
    assert.equal(await state.getRun(oldRun), undefined, "the folder's state is the new run's alone");
  } finally {
    state.close();
  }

  // The folder is now the fresh run's in every way that counts: `emingest run` with the new settings finds it done.
  const again = await runCli(["run", slices, "--out", a, "--clahe", "3", "--zarr"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`run ${result.run} is already done and its \\d+ recorded outputs are in place`));

  // serve shows the new run: it serves the new run's report and links its volume.
  const served = await serveBanner(a);
  const base = /^serving .* at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(served.banner)?.[1];
  assert.ok(base, served.banner);
  try {
    const summary = (await (await fetch(`${base}/report/summary.json`)).json()) as { run: string; volumes: string[] };
    assert.equal(summary.run, result.run);
    assert.ok(summary.volumes.some((v) => v.includes("zarr")), `the served summary lists the zarr copy: ${summary.volumes.join(", ")}`);
    assert.match(served.banner, /open in neuroglancer: \S+ng%2Fjpeg/);
  } finally {
    await served.stop();
  }
});

/** `emingest serve DIR --port 0` once it printed its first two lines (the address, the link). */
async function serveBanner(dir: string): Promise<{ banner: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [cliPath, "serve", dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill("SIGTERM");
    await exited;
  };
  let out = "";
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.split("\n").length > 2) resolve(out);
    });
    void exited.then(() => reject(new Error(`serve exited after: ${out}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { banner, stop };
}
