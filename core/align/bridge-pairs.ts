// The bridge pairs: which pairs (from, to) beyond the adjacent ones the bridge stage aligns, decided from the
// adjacent pairs alone so that the local driver, the cloud fan-out and the plan compute the same list.
//
// Around every adjacent pair (z-1, z) that failed or is weak (weak-pairs.ts): every pair that spans it and is at most
// maxConsecutiveBad + 1 apart, inside the stack: from <= z-1 < z <= to, 2 <= to - from <= maxConsecutiveBad + 1.
// That is what the rule of plan-transforms.ts needs:
// - each slice of a failed pair is tried with other partners, so a bad slice is known by its own failures,
//   at the ends of the stack too: (0, 1) failed -> (0, 2), (0, 3) are tried;
// - the good slices on either side of up to maxConsecutiveBad bad slices in a row are joined directly;
//   the policy refuses longer runs, so longer pairs would never be used;
// - two good slices whose own pair failed get the pairs around them ((z-2, z), (z-1, z+1), ...).
// With k = maxConsecutiveBad, one failed pair asks for at most 2 + 3 + ... + (k + 1) = (k+1)(k+2)/2 - 1 pairs
// (5 at the default 2); neighbouring failures share most of them. Pairs at most nAdjacent apart are matched
// by the align stage already (align-task.ts) and are left out: with nAdjacent > maxConsecutiveBad there are
// no bridges at all; at the defaults (2, 2) one failed pair asks for the pairs 3 apart around it. None at all when the policy already
// refuses the stack for its share of failed adjacent pairs: they could not change the outcome.
import { failedShareExceeded, type AlignPolicy } from "./alignment-policy.js";

/**
 * `failed`: the index `to` of every adjacent pair (to - 1, to) that failed, in a stack of n slices; `weak`:
 * likewise the adjacent pairs that aligned but are weak (weak-pairs.ts), bridged alike but not counted
 * against maxFailedPairShare. Returns [from, to] pairs, sorted by `to`, then `from`.
 */
export function bridgePairs(failed: readonly number[], n: number, policy: AlignPolicy, nAdjacent = 1, weak: readonly number[] = []): Array<[number, number]> {
  if (failedShareExceeded(failed.length, n, policy)) return [];
  const reach = policy.maxConsecutiveBad + 1;
  const shortest = Math.max(2, nAdjacent + 1);
  const pairs = new Map<string, [number, number]>();
  for (const z of [...failed, ...weak]) {
    for (let from = Math.max(0, z - reach); from <= z - 1; from++) {
      for (let to = Math.max(z, from + shortest); to <= Math.min(n - 1, from + reach); to++) pairs.set(`${from},${to}`, [from, to]);
    }
  }
  return [...pairs.values()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}
