// Weak pairs (solve-plan.ts rule 1): a pair that aligned but holds fewer than `share` of the median inliers
// of the aligned pairs of the same span whose `to` is within +-`window` slices. Most of one slice's content
// is missing (a half-blank or partial slice), so its pairs hold a fraction of its neighbours' inliers.
// A slice is partial when it has an aligned adjacent pair and every aligned adjacent pair it is part of is
// weak; every pair with a partial slice is weak as well. The bridges around it are few and mostly hold the
// partial slice itself, so their own span's median is no measure: the adjacent pairs, which every stack
// has, decide.
// One definition for the solve, which leaves weak pairs out, and the bridge stage (bridge-tasks.ts), which
// matches the pairs around a weak adjacent pair as it does around a failed one: without them a slice whose
// adjacent pairs are both weak would cut the stack in two at nAdjacent 1.
import type { AlignedPair } from "./plan-transforms.js";

export interface WeakRule {
  share: number;
  window: number;
}

export const WEAK_RULE: WeakRule = { share: 0.6, window: 10 };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Per pair: weak or not (a pair that did not align is not weak; it failed). */
export function weakPairs(pairs: readonly AlignedPair[], rule: WeakRule = WEAK_RULE): boolean[] {
  const bySpan = new Map<number, Array<{ to: number; inliers: number }>>();
  for (const pair of pairs) {
    if (pair.result?.ok !== true) continue;
    const list = bySpan.get(pair.to - pair.from) ?? [];
    list.push({ to: pair.to, inliers: pair.result.inliers ?? 0 });
    bySpan.set(pair.to - pair.from, list);
  }
  const weak = pairs.map((pair) => {
    if (pair.result?.ok !== true) return false;
    const near = (bySpan.get(pair.to - pair.from) ?? []).filter((q) => Math.abs(q.to - pair.to) <= rule.window).map((q) => q.inliers);
    return (pair.result.inliers ?? 0) < rule.share * median(near);
  });
  // Per slice: aligned adjacent pairs, and how many of them are weak.
  const adjacent = new Map<number, { aligned: number; weak: number }>();
  pairs.forEach((pair, k) => {
    if (pair.to - pair.from !== 1 || pair.result?.ok !== true) return;
    for (const z of [pair.from, pair.to]) {
      const c = adjacent.get(z) ?? { aligned: 0, weak: 0 };
      c.aligned++;
      if (weak[k]) c.weak++;
      adjacent.set(z, c);
    }
  });
  const partial = (z: number) => {
    const c = adjacent.get(z);
    return c !== undefined && c.weak === c.aligned;
  };
  return pairs.map((pair, k) => weak[k] || (pair.result?.ok === true && (partial(pair.from) || partial(pair.to))));
}
