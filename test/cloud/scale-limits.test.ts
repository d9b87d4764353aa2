// What the run record and the workflow's finalize answer hold of a run summary must not grow with the stack
// (issue 17 item 3: a Firestore document is at most 1 MiB, all of an execution's variables 512 KB): the lists
// of stand-ins and flagged pairs become counts (core/pipeline/recorded-summary.ts), and a rerun of a finished
// run reads the lists back from report/summary.json. The one per-slice part of a record (the slices' version
// tags) bounds a cloud run's slices, and a larger stack is refused before anything is written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIngestConfig } from "../../core/config.js";
import { PermanentError } from "../../core/errors.js";
import { openCloudRun } from "../../core/pipeline/cloud-steps.js";
import { writeJson } from "../../core/pipeline/manifest.js";
import { CLOUD_MAX_SLICES } from "../../core/pipeline/source-versions.js";
import { recordedSummary, summaryFromReport, SUMMARY_KEY } from "../../core/pipeline/recorded-summary.js";
import type { RunSummary } from "../../core/run-details.js";
import { MemoryStore } from "../support/memory-store.js";
import { FIXED_NOW, memoryDeps, sampleSource } from "../pipeline/support/memory-pipeline.js";

function summaryOf(slices: number, bad: number): RunSummary {
  return {
    run: "run-0123456789ab",
    slices,
    volume: { size: [64, 64, slices], resolution: [8, 8, 8], box: { x0: 0, y0: 0, width: 64, height: 64 } },
    scales: 1,
    volumes: ["ng/jpeg/"],
    objects: 3,
    substitutions: Array.from({ length: bad }, (_, i) => ({ z: 2 * i, source: 2 * i + 1, reason: "no pair around it aligned (too few matches)" })),
    flaggedPairs: Array.from({ length: bad }, (_, i) => ({ z: 2 * i + 1, flags: ["too-few-matches", "low-inlier-ratio"] })),
  };
}

test("the recorded summary of 20,000 slices with 10,000 bad ones is as small as a clean run's, with the counts", () => {
  const clean = JSON.stringify(recordedSummary(summaryOf(20_000, 0)));
  const bad = recordedSummary(summaryOf(20_000, 10_000));
  assert.equal(bad.substitutions, 10_000);
  assert.equal(bad.flaggedPairs, 10_000);
  assert.equal(bad.report, "report/summary.json");
  // The lists as written would be ~1.3 MB: over a Firestore document on their own.
  assert.ok(JSON.stringify(summaryOf(20_000, 10_000)).length > 1024 * 1024);
  assert.ok(JSON.stringify(bad).length <= clean.length + 8, `${JSON.stringify(bad).length} B against ${clean.length} B`);
  assert.ok(JSON.stringify(bad).length < 1024);
});

test("a finished run's whole summary comes back from report/summary.json, without the evidence written beside it", async () => {
  const out = new MemoryStore();
  const summary = summaryOf(40, 3);
  const evidence = [{ pair: [0, 1], flags: ["too-few-matches"], matches: 3, inliers: 0, why: "3 matches" }];
  await writeJson(out, SUMMARY_KEY, { ...summary, substitutions: summary.substitutions.map((s) => ({ ...s, evidence })) });
  assert.deepEqual(await summaryFromReport(out), summary);
  await assert.rejects(summaryFromReport(new MemoryStore()), /report\/summary\.json is missing/);
});

test(`a cloud run of ${CLOUD_MAX_SLICES + 1} slices is refused in one line before anything is written; ${CLOUD_MAX_SLICES} fit one run record`, async () => {
  const one = await sampleSource(1, 16);
  const [key] = await one.list("");
  const bytes = (await one.get(key))!;
  const source = new MemoryStore();
  const name = (z: number) => `s${String(z).padStart(6, "0")}.png`;
  for (let z = 0; z <= CLOUD_MAX_SLICES; z++) await source.put(name(z), bytes);
  const deps = memoryDeps(source);
  const open = () => openCloudRun({ ...deps, outFor: () => deps.out }, parseIngestConfig({}), () => ({}), FIXED_NOW);
  await assert.rejects(open(), (error: Error) => {
    assert.ok(error instanceof PermanentError);
    assert.match(error.message, new RegExp(`^slices: ${CLOUD_MAX_SLICES + 1} slices, but a cloud run takes at most ${CLOUD_MAX_SLICES} `));
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
  assert.deepEqual(await deps.out.list(""), [], "nothing written");
  // One slice fewer: the run opens, and its record with every version tag is within 1 MiB.
  await source.delete(name(CLOUD_MAX_SLICES));
  const opened = await open();
  assert.equal(opened.slices, CLOUD_MAX_SLICES);
  const record = await deps.runs.getRun(opened.run);
  assert.equal(record?.details.sliceVersions?.length, CLOUD_MAX_SLICES);
  const size = Buffer.byteLength(JSON.stringify(record));
  assert.ok(size < 1024 * 1024, `run record of ${CLOUD_MAX_SLICES} slices: ${size} B`);
});
