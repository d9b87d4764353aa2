// List prices the cost model turns counts into dollars with (README.md "What a run costs" names the pages
// they come from). One dated table; `emingest plan --prices FILE` overrides any field of it. Prices change:
// the date says when they were read, and the plan prints it next to every dollar figure.
import { PermanentError } from "../errors.js";

export interface PriceTable {
  /** When the prices were read from the providers' pages (YYYY-MM-DD). */
  asOf: string;
  /** Cloud Run, request-based billing, tier 1 region: per vCPU-second and per GiB-second of memory. */
  runVcpuSecond: number;
  runGibSecond: number;
  /** Cloud Run, per million requests (each Pub/Sub push and each workflow call is one). */
  runMillionRequests: number;
  /** Pub/Sub throughput, per TiB; every publish and push request is billed at least `pubsubMinBytes`. */
  pubsubTib: number;
  pubsubMinBytes: number;
  /** Firestore (regional, US), per 100,000 document reads / writes / deletes. */
  firestoreReads100k: number;
  firestoreWrites100k: number;
  firestoreDeletes100k: number;
  /** Cloud Storage Standard, per GB-month stored; Class A (writes, lists) and B (reads) per 1,000 operations. */
  gcsGbMonth: number;
  gcsClassA1k: number;
  gcsClassB1k: number;
  /** Cloud Workflows, per 1,000 internal steps (calls to *.run.app are internal). */
  workflowsSteps1k: number;
}

/** Read 2026-12-01 (shared/FINDINGS.md "Prices for a cost model"); check the live pages before quoting. */
export const LIST_PRICES: PriceTable = {
  asOf: "2026-12-01",
  runVcpuSecond: 0.000024,
  runGibSecond: 0.0000025,
  runMillionRequests: 0.4,
  pubsubTib: 40,
  pubsubMinBytes: 1000,
  firestoreReads100k: 0.03,
  firestoreWrites100k: 0.09,
  firestoreDeletes100k: 0.01,
  gcsGbMonth: 0.02,
  gcsClassA1k: 0.005,
  gcsClassB1k: 0.0004,
  workflowsSteps1k: 0.01,
};

/** A prices file: a JSON object with any fields of PriceTable; the rest keep the list prices. */
export function parsePrices(text: string, where: string, base: PriceTable = LIST_PRICES): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PermanentError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new PermanentError(`${where}: must be a JSON object of prices`);
  const out: PriceTable = { ...base };
  for (const [field, value] of Object.entries(raw)) {
    if (!(field in base)) throw new PermanentError(`${where}: unknown field "${field}" (known: ${Object.keys(base).join(", ")})`);
    if (field === "asOf") {
      if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new PermanentError(`${where}: "asOf" must be a date YYYY-MM-DD`);
      out.asOf = value;
      continue;
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new PermanentError(`${where}: "${field}" must be a number >= 0, got ${JSON.stringify(value)}`);
    }
    (out as unknown as Record<string, number>)[field] = value;
  }
  return out;
}
