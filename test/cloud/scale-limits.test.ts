// What the run record and the workflow's finalize answer hold of a run summary must not grow with the stack
// (issue 17 item 3: a Firestore document is at most 1 MiB, all of an execution's variables 512 KB): the lists
// of stand-ins and flagged pairs become counts (core/pipeline/recorded-summary.ts), and a rerun of a finished
// run reads the lists back from report/summary.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeJson } from "../../core/pipeline/manifest.js";
import { recordedSummary, summaryFromReport, SUMMARY_KEY } from "../../core/pipeline/recorded-summary.js";
import type { RunSummary } from "../../core/run-details.js";
import { MemoryStore } from "../support/memory-store.js";

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
