// checkSlicesUnchanged over the real local adapters (FileStore versions, SQLite run store): a slice replaced
// before any finished task read it is taken as it is now; one replaced after stops the run, naming it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileStore } from "../../adapters/local/file-store.js";
import { SqliteRunStore } from "../../adapters/local/sqlite-run-store.js";
import { parseIngestConfig } from "../../core/config.js";
import { PermanentError } from "../../core/errors.js";
import type { RunManifest } from "../../core/pipeline/manifest.js";
import { checkSlicesUnchanged } from "../../core/pipeline/source-versions.js";
import type { RunRecord } from "../../core/ports.js";

const STAMP = "2026-01-01T00:00:00.000Z";

async function setup(t: { after: (fn: () => void | Promise<void>) => void }) {
  const dir = mkdtempSync(path.join(tmpdir(), "emversions-"));
  const source = new FileStore(path.join(dir, "s"));
  const runs = new SqliteRunStore(path.join(dir, "runs.sqlite"));
  t.after(async () => {
    await runs.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const slices = [1, 2, 3].map((z) => ({ z, key: `img${z}.png` }));
  for (const s of slices) await source.put(s.key, new Uint8Array([s.z]));
  const manifest: RunManifest = {
    run: "run-v",
    config: parseIngestConfig({}, "test"),
    slices,
    width: 1,
    height: 1,
    sourceWidth: 1,
    sourceHeight: 1,
    depth: 8,
  };
  const deps = { source, runs, sourceName: "s" };
  const open = async (): Promise<RunRecord> => {
    const record = await runs.createRun({ run: "run-v", status: "aligning", config: {}, totals: {}, details: {}, createdAt: STAMP, updatedAt: STAMP });
    await checkSlicesUnchanged(deps, record, manifest);
    return (await runs.getRun("run-v"))!;
  };
  const done = (id: string) => runs.recordTask({ run: "run-v", id, stage: id.split("-")[0], status: "done", attempts: 1, durationMs: 1 });
  return { source, runs, open, done };
}

test("the first open records one version tag per slice; an unchanged reopen keeps them", async (t) => {
  const { open } = await setup(t);
  const first = (await open()).details.sliceVersions ?? [];
  assert.equal(first.length, 3);
  assert.ok(first.every((v) => /^[0-9a-f]{8}$/.test(v)));
  assert.equal(new Set(first).size, 3);
  assert.deepEqual((await open()).details.sliceVersions, first);
});

test("a slice replaced before any finished task read it is taken as it is now", async (t) => {
  const { source, open, done } = await setup(t);
  const first = (await open()).details.sliceVersions ?? [];
  await done("features-1");
  await source.put("img2.png", new Uint8Array([42]));
  const second = (await open()).details.sliceVersions ?? [];
  assert.equal(second[0], first[0]);
  assert.notEqual(second[1], first[1]);
  assert.equal(second[2], first[2]);
});

test("a slice replaced after a finished features or render task read it stops the run, naming it", async (t) => {
  const { source, open, done } = await setup(t);
  await open();
  await done("features-2");
  await done("render-3");
  await source.put("img2.png", new Uint8Array([42]));
  await source.put("img3.png", new Uint8Array([43]));
  await assert.rejects(open(), (error: Error) => {
    assert.ok(error instanceof PermanentError);
    assert.match(error.message, /^s\/img2\.png, s\/img3\.png: changed after run run-v read them; resuming would mix old and new content/);
    return true;
  });
});

test("after a finished run, any replaced slice stops it", async (t) => {
  const { source, runs, open } = await setup(t);
  await open();
  await runs.updateRun("run-v", { status: "done" });
  await source.put("img1.png", new Uint8Array([9]));
  await assert.rejects(open(), /s\/img1\.png: changed after run run-v read it;/);
});
