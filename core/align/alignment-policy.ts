// The alignment policy: when a run stops instead of writing a volume. It reads only what any way of computing
// the transforms can say about a stack (how many adjacent pairs (z-1, z) failed, which slices are bad, how
// many parts the good slices fall into), so it carries over unchanged when the chained transforms of
// plan-transforms.ts give way to a global solve.
//
// The run stops with an AlignmentFailedError (permanent; no volume is planned) when
// 1. more than align.maxFailedPairShare (default 0.1) of the n - 1 adjacent pairs failed; or
// 2. no slice is good: nothing aligned to anything (noise, blank slices, a setting too strict for the stack); or
// 3. more than align.maxConsecutiveBad (default 2) slices in a row are bad; or
// 4. the good slices fall into more than one part: no aligned pair joins them, their offset is unknown.
// Otherwise each bad slice is stood in for by a neighbour and its evidence goes to report/summary.json.
// Accepting more is explicit: raise the two settings (maxFailedPairShare 1 accepts any share), or stack the
// slices unaligned with skipAlign (--skip-align). Rules 2 and 4 accept nothing: a stack in parts of unknown
// offset is not an aligned volume (ingest the parts separately with minz/maxz, or unaligned).
//
// The error's message: a headline with the rules broken, one line per failed pair with its reason and the
// settings that decide it (at most MAX_LISTED), and a last line that names what to change.
import type { AlignConfig } from "../config.js";
import { PermanentError } from "../errors.js";
import { pairReason } from "./pair-reason.js";
import type { PairFailure } from "./plan-transforms.js";

export type AlignPolicy = Pick<AlignConfig, "maxFailedPairShare" | "maxConsecutiveBad">;

/** Failed pairs listed in the error; the rest are counted. */
export const MAX_LISTED = 50;

/** Rule 1, which is known as soon as the adjacent pairs are (bridge-pairs.ts asks for no bridges then). */
export function failedShareExceeded(failedAdjacent: number, n: number, policy: AlignPolicy): boolean {
  return n > 1 && failedAdjacent / (n - 1) > policy.maxFailedPairShare;
}

export interface AlignmentOutcome {
  n: number;
  /** Index of slice 0 is z = firstZ (messages speak in z). */
  firstZ: number;
  /** The adjacent pairs (z-1, z) that failed. */
  failedAdjacent: readonly PairFailure[];
  /** Every failed pair, adjacent and bridge, by `to` then `from`. */
  failed: readonly PairFailure[];
  bad: readonly number[];
  parts: ReadonlyArray<readonly number[]>;
}

export class AlignmentFailedError extends PermanentError {
  constructor(
    readonly run: string,
    readonly problems: string[],
    readonly pairLines: string[],
  ) {
    super([`run ${run}: alignment failed: ${problems.join("; ")}`, ...pairLines].join("\n"));
  }
}

/** Runs of consecutive indices, as [first, last]. */
export function runsOf(sorted: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const i of sorted) {
    const last = runs[runs.length - 1];
    if (last && i === last[1] + 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs;
}

function rangeText(runs: ReadonlyArray<[number, number]>, firstZ: number, limit = 6): string {
  const shown = runs.slice(0, limit).map(([a, b]) => (a === b ? `${firstZ + a}` : `${firstZ + a}-${firstZ + b}`));
  return runs.length > limit ? `${shown.join(", ")}, ...` : shown.join(", ");
}

/**
 * The rules the outcome breaks, each as a phrase (empty when the stack is accepted), and whether raising the
 * two settings might accept it. Past rule 1 no bridge pairs were aligned (bridge-pairs.ts), so the bad
 * slices and parts are not known yet: only facts about the adjacent pairs are stated then.
 */
export function alignmentProblems(o: AlignmentOutcome, policy: AlignPolicy): { problems: string[]; acceptable: boolean } {
  const pairs = o.n - 1;
  const noneAligned = o.n > 1 && o.bad.length === o.n;
  if (failedShareExceeded(o.failedAdjacent.length, o.n, policy)) {
    const share = `${o.failedAdjacent.length} of ${pairs} pairs (z-1, z) failed (${((100 * o.failedAdjacent.length) / pairs).toFixed(1)}%), more than align.maxFailedPairShare ${policy.maxFailedPairShare} allows`;
    return { problems: noneAligned ? [share, "no pair aligned at all"] : [share], acceptable: !noneAligned };
  }
  if (noneAligned) return { problems: ["no slice aligned with any other"], acceptable: false };
  const problems: string[] = [];
  const long = runsOf(o.bad).filter(([a, b]) => b - a + 1 > policy.maxConsecutiveBad);
  if (long.length > 0) {
    const most = Math.max(...long.map(([a, b]) => b - a + 1));
    problems.push(`slices ${rangeText(long, o.firstZ)} are bad (up to ${most} in a row), more than align.maxConsecutiveBad ${policy.maxConsecutiveBad} allows`);
  }
  if (o.parts.length > 1) {
    const described = o.parts.slice(0, 4).map((p) => `[${rangeText(runsOf(p), o.firstZ, 3)}]`);
    problems.push(`the good slices fall into ${o.parts.length} parts that no aligned pair joins: ${described.join(" | ")}${o.parts.length > 4 ? " | ..." : ""}`);
  }
  // Parts of good slices are joined only by pairs that reach over the bad slices between them, and a larger
  // maxConsecutiveBad asks for longer pairs: raising it may join them.
  return { problems, acceptable: o.parts.length <= 1 || long.length > 0 };
}

/** Throws AlignmentFailedError when the policy refuses the outcome (see the rules above). */
export function checkAlignment(run: string, o: AlignmentOutcome, config: AlignConfig): void {
  const { problems, acceptable } = alignmentProblems(o, config);
  if (problems.length === 0) return;
  const settings = new Set<string>();
  const lines = o.failed.map((f, i) => {
    const reason = pairReason(f, config);
    reason.settings.forEach((s) => settings.add(s));
    return i < MAX_LISTED ? `  pair (${o.firstZ + f.from}, ${o.firstZ + f.to}): ${reason.text}` : undefined;
  });
  const listed = lines.filter((l): l is string => l !== undefined);
  if (o.failed.length > MAX_LISTED) listed.push(`  ... and ${o.failed.length - MAX_LISTED} more failed pairs`);
  const fixes = [
    ...(settings.size > 0 ? [`loosen ${[...settings].join(" or ")} (see the reasons above)`] : []),
    ...(acceptable ? ["accept the bad slices with align.maxFailedPairShare (--max-failed-pair-share) and align.maxConsecutiveBad (--max-consecutive-bad)"] : []),
    "stack the slices unaligned with skipAlign (--skip-align)",
  ];
  listed.push(`to go on: ${fixes.join(", or ")}; a changed setting is a new run, with an output of its own`);
  throw new AlignmentFailedError(run, problems, listed);
}
