// What a finished run wrote, with sizes, so that a rerun over it can tell whether its output is still whole.
// Each writer records what it put: a pyramid task in its outcome (`outputs`), the finalize step in the run
// record (`details.reduceOutputs`: the scales above the cube size; `details.finalizeOutputs`: the report, the
// volumes' info files and the manifest), set in the same update that marks the run done.
import type { ObjectStore, PutOptions, RunRecord, RunStore } from "../ports.js";
import type { OutputSizes } from "../run-details.js";
import { mapLimit } from "../util/map-limit.js";

const READ_CONCURRENCY = 16;

/** A store that remembers the size of everything put through it. */
export function recordingStore(store: ObjectStore): { store: ObjectStore; written: OutputSizes } {
  const written: OutputSizes = {};
  const recording: ObjectStore = {
    get: (key) => store.get(key),
    getVersioned: (key) => store.getVersioned(key),
    getRange: (key, offset, length) => store.getRange(key, offset, length),
    list: (prefix) => store.list(prefix),
    listVersions: (prefix) => store.listVersions(prefix),
    delete: (key) => store.delete(key),
    put: async (key: string, bytes: Uint8Array, options?: PutOptions) => {
      await store.put(key, bytes, options);
      written[key] = bytes.byteLength;
    },
  };
  return { store: recording, written };
}

/** Who wrote an object: the task id of a pyramid task, "reduce" or "finalize". */
export interface LedgerEntry {
  key: string;
  size: number;
  by: string;
}

/** The outputs a done run recorded, or undefined when its record holds no ledger. */
export async function runLedger(runs: RunStore, record: RunRecord): Promise<LedgerEntry[] | undefined> {
  const { reduceOutputs: reduce, finalizeOutputs: finalize } = record.details;
  if (!reduce || !finalize) return undefined;
  const entries: LedgerEntry[] = [];
  for (const t of await runs.listTasks(record.run, "pyramid")) {
    const outputs = (t.outcome as { outputs?: OutputSizes } | undefined)?.outputs;
    if (t.status !== "done" || !outputs) return undefined;
    entries.push(...Object.entries(outputs).map(([key, size]) => ({ key, size, by: t.id })));
  }
  for (const [by, sizes] of [["reduce", reduce], ["finalize", finalize]] as const) {
    entries.push(...Object.entries(sizes).map(([key, size]) => ({ key, size, by })));
  }
  return entries;
}

export interface Damage extends LedgerEntry {
  problem: "missing" | "shorter" | "longer";
}

/**
 * The entries whose object is missing or has another size than recorded. One small ranged read per
 * object: its last recorded byte must be there and nothing after it.
 */
export async function findDamage(out: ObjectStore, entries: readonly LedgerEntry[]): Promise<Damage[]> {
  const found = await mapLimit(entries, READ_CONCURRENCY, async (entry): Promise<Damage | undefined> => {
    const tail = await out.getRange(entry.key, Math.max(0, entry.size - 1), 2);
    if (tail === undefined) return { ...entry, problem: "missing" };
    const expected = entry.size === 0 ? 0 : 1;
    if (tail.byteLength === expected) return undefined;
    return { ...entry, problem: tail.byteLength < expected ? "shorter" : "longer" };
  });
  return found.filter((d): d is Damage => d !== undefined).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** "ng/jpeg/8_8_8/0.shard is missing", "report/summary.json is shorter than the 812 bytes recorded". */
export function describeDamage(d: Damage): string {
  return d.problem === "missing" ? `${d.key} is missing` : `${d.key} is ${d.problem} than the ${d.size} bytes recorded`;
}
