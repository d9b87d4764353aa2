// From the aligned pairs of a stack to bad slices, global transforms, stand-ins and the global box.
// Slices are indexed 0..n-1 (index 0 is minz). A pair {from, to} (from < to) holds the result of aligning
// slice `to` to slice `from` (its matrix maps slice `to` to slice `from`): the adjacent pairs (z-1, z) and the
// bridge pairs of bridge-pairs.ts. Whether the stack is acceptable is not decided here: the policy
// (alignment-policy.ts) reads `bad` and `parts`.
//
// Rule (T is the global transform: slice pixel -> reference frame):
// 1. Bad slices. A slice is bad when no pair it is part of aligned (in a stack of two or more). One aligned
//    pair is enough to make both of its slices good, and a good slice always keeps its own image: a failed
//    pair blames neither of its slices by itself.
// 2. Transforms. The reference is the first good slice (T = identity). The other good slices are placed
//    along a spanning tree of the aligned pairs, grown from the reference by the shortest pair first (Prim's
//    algorithm; weight to - from, ties to the lower `to`, then the lower `from`): T_to = T_from ∘ P when
//    `from` is placed, T_from = T_to ∘ P^-1 when `to` is. With every adjacent pair aligned this is the chain
//    T_z = T_{z-1} ∘ P_z of clio_ingest.
// 3. Parts. Good slices that no chain of aligned pairs connects to the reference form further parts, each
//    placed from its own first slice; their offset to the reference is unknown (the policy refuses them).
// 4. Stand-ins. A bad slice shows the nearest good slice before it (after it, for bad slices at the start of
//    the stack), with that slice's transform. Its evidence is every pair it is part of (all failed).
//
// Cases, with the bridge pairs of bridge-pairs.ts at maxConsecutiveBad 2 (pairs reach 3 apart):
// - blank first slice 0: (0, 1), (0, 2), (0, 3) fail, (1, 2) aligns: only 0 is bad; it shows slice 1,
//   which is the reference.
// - blank last slice n-1: (n-2, n-1), (n-3, n-1), (n-4, n-1) fail: only n-1 is bad; it shows n-2.
// - blank middle slice b: (b-1, b) and (b, b+1) fail, (b-1, b+1) aligns: only b is bad; it shows b-1 and
//   T_{b+1} = T_{b-1} ∘ P(b-1, b+1).
// - two adjacent blanks b, b+1: (b-1, b+2) aligns: exactly b and b+1 are bad (both show b-1).
// - three adjacent blanks b..b+2: they are bad, and nothing reaches over them (4 apart): two parts.
// - a stack of pure noise, of constant slices (no features), or a good stack with a too-strict setting
//   (maxEpsilon 0.01: too few inliers everywhere): no pair aligns, every slice is bad, no reference.
// - a failed pair between two good slices (a jump no pair reaches over): two parts, no slice is bad.
//
// The box (PixelBox): pixel centres. Slice i's extent is the hull of T_i applied to its four pixel-centre corners
// (0, 0), (w-1, 0), (0, h-1), (w-1, h-1) (affine.ts `corners`). x0 = floor(min x), x1 = ceil(max x)
// (after snapping values within 1e-9 of an integer), width = x1 - x0 + 1; likewise y. The identity gives
// {x0: 0, y0: 0, width: w, height: h}. Output voxel (u, v) shows reference point (u + x0, v + y0).
import { apply, compose, corners, IDENTITY, invert, type Affine } from "../geometry/affine.js";
import type { PixelBox } from "../geometry/pixel-box.js";
import { MinHeap } from "../util/min-heap.js";
import type { PairResult } from "./align-pair.js";

export type PairLike = Pick<PairResult, "ok" | "matrix" | "flags"> & Partial<Pick<PairResult, "model" | "matches" | "inliers" | "sample">>;

export interface AlignedPair {
  from: number;
  to: number;
  /** Undefined: no result was recorded (counts as failed). */
  result: PairLike | undefined;
}

/** One failed pair, as evidence against a slice. */
export interface PairFailure {
  from: number;
  to: number;
  flags: string[];
  matches: number;
  inliers: number;
}

/** A bad slice and the good one whose image stands in for it, by index into the stack. */
export interface StandIn {
  /** The bad slice. */
  index: number;
  /** The slice whose image stands in for it. */
  source: number;
  /** Every pair the bad slice is part of (each failed), by `to` then `from`. */
  evidence: PairFailure[];
}

export interface TransformPlan {
  globals: Affine[];
  /** sources[i] = i for a good slice, the stand-in's index for a bad one. */
  sources: number[];
  standIns: StandIn[];
  /** The bad slices, ascending (the indices of `standIns`). */
  bad: number[];
  /** The good slices by connected part, ascending; parts[0] holds the reference. Empty when none is good. */
  parts: number[][];
  box: PixelBox;
}

const SNAP = 1e-9;

function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) <= SNAP ? r : v;
}

/** The integer pixel-centre box that holds every transformed slice (see the rule above). */
export function boundingBox(globals: readonly Affine[], width: number, height: number): PixelBox {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const g of globals) {
    for (const [x, y] of corners(width, height)) {
      const [u, v] = apply(g, x, y);
      minX = Math.min(minX, u); maxX = Math.max(maxX, u);
      minY = Math.min(minY, v); maxY = Math.max(maxY, v);
    }
  }
  if (globals.length === 0) return { x0: 0, y0: 0, width: 0, height: 0 };
  // `+ 0` turns -0 into 0.
  const x0 = Math.floor(snap(minX)) + 0;
  const y0 = Math.floor(snap(minY)) + 0;
  return { x0, y0, width: Math.ceil(snap(maxX)) - x0 + 1, height: Math.ceil(snap(maxY)) - y0 + 1 };
}

/**
 * Which slice each slice shows: itself when good, else the nearest good slice before it, else the first good
 * one (a bad first slice). With no good slice at all nothing can stand in: a slice is its own source.
 */
export function standInSources(good: ArrayLike<boolean>): number[] {
  const sources: number[] = [];
  let firstGood = -1;
  for (let i = 0; i < good.length && firstGood < 0; i++) if (good[i]) firstGood = i;
  let previousGood = -1;
  for (let i = 0; i < good.length; i++) {
    if (good[i]) previousGood = i;
    sources.push(good[i] ? i : previousGood >= 0 ? previousGood : firstGood >= 0 ? firstGood : i);
  }
  return sources;
}

export function failureOf(pair: AlignedPair): PairFailure {
  const r = pair.result;
  const flags = r === undefined ? ["no-result"] : r.flags.length > 0 ? [...r.flags] : ["not-ok"];
  return { from: pair.from, to: pair.to, flags, matches: r?.matches ?? 0, inliers: r?.inliers ?? 0 };
}

interface Edge {
  span: number;
  pair: AlignedPair;
}

const edgeLess = (a: Edge, b: Edge): boolean =>
  a.span !== b.span ? a.span < b.span : a.pair.to !== b.pair.to ? a.pair.to < b.pair.to : a.pair.from < b.pair.from;

export function planTransforms(pairs: readonly AlignedPair[], n: number, width: number, height: number): TransformPlan {
  const touching: AlignedPair[][] = Array.from({ length: n }, () => []);
  for (const p of pairs) {
    if (!(Number.isInteger(p.from) && Number.isInteger(p.to) && p.from >= 0 && p.from < p.to && p.to < n)) {
      throw new RangeError(`planTransforms: pair (${p.from}, ${p.to}) is not a pair of a ${n}-slice stack`);
    }
    touching[p.from].push(p);
    touching[p.to].push(p);
  }
  const aligned = (p: AlignedPair) => p.result?.ok === true;
  const good = touching.map((list) => n === 1 || list.some(aligned));

  // Rules 2 and 3: one spanning tree per part, shortest pairs first.
  const placed: Array<Affine | undefined> = new Array(n).fill(undefined);
  const parts: number[][] = [];
  for (let root = 0; root < n; root++) {
    if (!good[root] || placed[root]) continue;
    const part = [root];
    placed[root] = IDENTITY;
    const heap = new MinHeap<Edge>(edgeLess);
    const offer = (i: number) => {
      for (const p of touching[i]) {
        if (aligned(p) && !placed[p.from === i ? p.to : p.from]) heap.push({ span: p.to - p.from, pair: p });
      }
    };
    offer(root);
    for (let edge = heap.pop(); edge; edge = heap.pop()) {
      const { from, to, result } = edge.pair;
      const matrix = (result as PairLike).matrix;
      if (placed[from] && !placed[to]) {
        placed[to] = compose(placed[from] as Affine, matrix);
        part.push(to);
        offer(to);
      } else if (placed[to] && !placed[from]) {
        placed[from] = compose(placed[to] as Affine, invert(matrix));
        part.push(from);
        offer(from);
      }
    }
    parts.push(part.sort((a, b) => a - b));
  }

  // Rule 4: stand-ins.
  const sources = standInSources(good);
  const bad = good.flatMap((g, i) => (g ? [] : [i]));
  const standIns: StandIn[] = bad.map((i) => ({
    index: i,
    source: sources[i],
    evidence: [...touching[i]].sort((a, b) => a.to - b.to || a.from - b.from).map(failureOf),
  }));
  const globals = sources.map((s) => placed[s] ?? IDENTITY);
  return { globals, sources, standIns, bad, parts, box: boundingBox(globals, width, height) };
}
