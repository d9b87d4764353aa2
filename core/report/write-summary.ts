// report/summary.json: the run summary (finalize.ts) with, per substituted slice, its evidence: every pair
// it is part of, each failed, with the flags and the reason in words (align/pair-reason.ts). The evidence
// is written here only, not into the run record, which has a size limit in the cloud (Firestore: 1 MiB).
import { pairReason } from "../align/index.js";
import type { AlignConfig } from "../config.js";
import type { RunSummary } from "../run-details.js";
import { keys } from "../pipeline/keys.js";
import { writeJson } from "../pipeline/manifest.js";
import type { RunPlan } from "../pipeline/run-plan.js";
import type { ObjectStore } from "../ports.js";

export async function writeSummary(out: ObjectStore, summary: RunSummary, plan: RunPlan, align: AlignConfig): Promise<void> {
  const evidence = new Map(plan.evidence.map((e) => [e.z, e.failedPairs]));
  const substitutions = summary.substitutions.map((s) => ({
    ...s,
    evidence: (evidence.get(s.z) ?? []).map((f) => ({
      ...f,
      why: pairReason({ from: f.pair[0], to: f.pair[1], flags: f.flags, matches: f.matches, inliers: f.inliers }, align).text,
    })),
  }));
  await writeJson(out, keys.report("summary.json"), { ...summary, substitutions });
}
