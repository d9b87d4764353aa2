// What the run record and the cloud's finalize answer keep of a run summary: every field, but its two lists
// as counts. The lists grow with the stack's bad slices and flagged pairs (tens of bytes each), and both
// holders have hard size limits in the cloud: a Firestore document 1 MiB, all of a workflow execution's
// variables 512 KB. The lists, with their evidence, are in report/summary.json (report/write-summary.ts);
// `summaryFromReport` reads them back for a rerun of a finished run.
import type { RecordedSummary, RunSummary } from "../run-details.js";
import type { ObjectStore } from "../ports.js";
import { keys } from "./keys.js";
import { readJson } from "./manifest.js";

/** Where the whole summary is, under the run's output root. */
export const SUMMARY_KEY = keys.report("summary.json");

/** The summary with its lists replaced by their lengths: its size does not depend on the stack. */
export function recordedSummary(summary: RunSummary): RecordedSummary {
  return { ...summary, substitutions: summary.substitutions.length, flaggedPairs: summary.flaggedPairs.length, report: SUMMARY_KEY };
}

/** The whole summary of a finished run, from report/summary.json (the lists without their evidence). */
export async function summaryFromReport(out: ObjectStore): Promise<RunSummary> {
  const written = await readJson<RunSummary>(out, SUMMARY_KEY, "the finished run's summary was removed");
  return {
    ...written,
    substitutions: written.substitutions.map(({ z, source, reason }) => ({ z, source, reason })),
    flaggedPairs: written.flaggedPairs.map(({ z, flags }) => ({ z, flags })),
  };
}
