// The global solve: every slice's transform from all its matches at once (Saalfeld et al. 2012, as in
// mpicbg's TileConfiguration), instead of a product of pair transforms.
//
// What is solved. Unknowns: one transform T_i per slice (slice pixel -> reference frame). Each pair
// (from, to) brings its inlier sample (inlier-sample.ts): points s in slice `to` and d in slice `from`
// that show the same place, so T_to(s) should equal T_from(d). The solve minimises
//     sum over pairs, over sample points   w_p * |T_to(s) - T_from(d)|^2
//   + lambda * sum over slices  W_i * |L_i - R_i|_F^2                    ("affine" only)
// with L_i the 2x2 linear part of T_i, R_i the rotation of the slice's rigid solution, W_i the weight of
// the points of the slice's pairs, in coordinates centred on the image and scaled by half its longer side
// (so lambda does not depend on the image size). The second term regularises each affine toward the rigid
// model, as mpicbg's interpolated models do (lambda = SOLVE_DEFAULTS.lambda, 0.1): without it the scale and
// shear of a long stack drift as a random walk the points hardly constrain (22 px over 300 slices of
// 1024^2 at 0.3 px point noise, against 1.2 px for rigid: test/align/global-solve.test.ts).
// Models: "translation" solves translations only (L = identity); "rigid" solves an unregularised affine,
// takes the nearest rotation of each L (polar decomposition) and solves the translations again with those
// rotations fixed; "affine" then solves the full 2x3 regularised toward those rotations.
//
// Gauge: the first slice of each connected part (slices joined by pairs) is fixed to the identity;
// slices no pair touches keep the identity.
//
// Robustness: iteratively reweighted least squares with Huber weights on each point's residual r
// (w_p = weight for r <= huberPx, weight * huberPx / r beyond; `weight` is the pair's, default 1), `iterations` rounds. A wrong match pulls with a bounded
// force, and the caller (solve-plan.ts) drops pairs whose RMS residual stays above its threshold and solves
// again; once no pair is dropped it places the slices by one more solve in which a pair `span` apart weighs
// span^-4 times its inliers (solve-plan.ts rule 5).
//
// Cost: the x and y rows of the transforms do not share unknowns, so each is its own banded system of
// q = 3 (affine) or 1 (translation) unknowns per slice, with half-bandwidth (K + 1) q - 1 for pairs at
// most K apart (banded-cholesky.ts): memory O(n K q^2), time O(n (K q)^2) per round, plus O(points).
import { compose, IDENTITY, type Affine } from "../geometry/affine.js";
import { BandedSystem } from "./banded-cholesky.js";

export type SolveModel = "translation" | "rigid" | "affine";

export interface SolvePair {
  from: number;
  to: number;
  /** [sx, sy, dx, dy] per point: s in slice `to`, d in slice `from`, full-resolution px. */
  points: Float32Array;
  /** Weight of each of its points (default 1). */
  weight?: number;
}

export interface SolveOptions {
  model: SolveModel;
  lambda: number;
  huberPx: number;
  iterations: number;
  width: number;
  height: number;
}

export interface PoseSolution {
  globals: Affine[];
  /** RMS residual (px) of each pair's points under `globals`, in the order of the pairs. */
  pairRms: Float64Array;
  /** Connected parts (ascending slice lists, by first slice) of the slices some pair touches. */
  parts: number[][];
}

/** Slices joined by pairs, by union-find; slices no pair touches are left out. */
export function connectedParts(pairs: readonly SolvePair[], n: number): number[][] {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const touched = new Uint8Array(n);
  for (const p of pairs) {
    touched[p.from] = touched[p.to] = 1;
    const [a, b] = [root(p.from), root(p.to)];
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (!touched[i]) continue;
    const r = root(i);
    const list = byRoot.get(r) ?? [];
    list.push(i);
    byRoot.set(r, list);
  }
  return [...byRoot.values()].sort((a, b) => a[0] - b[0]);
}

/** Nearest rotation to [[a, b], [d, e]] (polar decomposition of a 2x2 with positive determinant). */
function nearestRotation(a: number, b: number, d: number, e: number): [number, number, number, number] {
  const angle = Math.atan2(d - b, a + e);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  return [c, -s, s, c];
}

interface Frame {
  cx: number;
  cy: number;
  scale: number;
}

/**
 * One row (x or y) of every slice's transform in normalised coordinates. Affine rows: q = 3 unknowns
 * (coefficients of x, y, 1); translation rows: q = 1, the linear parts `fixed` (normalised, per slice
 * [a, b, d, e]) moved to the right-hand side.
 */
function solveRow(
  row: 0 | 1,
  pairs: readonly SolvePair[],
  weights: readonly Float64Array[],
  pinned: Uint8Array,
  n: number,
  frame: Frame,
  opts: SolveOptions,
  fixed: Float64Array | undefined,
  prior: Float64Array | undefined,
): Float64Array {
  const q = fixed ? 1 : 3;
  const maxSpan = pairs.reduce((m, p) => Math.max(m, p.to - p.from), 1);
  const system = new BandedSystem(n * q, (maxSpan + 1) * q - 1);
  // Pinned slices: identity row (x: [1, 0, 0], y: [0, 1, 0]; translation 0).
  const pinValue = (j: number): number => (fixed ? 0 : j === row ? 1 : 0);
  for (let i = 0; i < n; i++) {
    if (!pinned[i]) continue;
    for (let j = 0; j < q; j++) {
      system.add(i * q + j, i * q + j, 1);
      system.rhs[i * q + j] = pinValue(j);
    }
  }
  const slicePoints = new Float64Array(n);
  const phiT = new Float64Array(q);
  const phiF = new Float64Array(q);
  // Adds w * (phiT . x_t - phiF . x_f - b)^2, moving pinned slices' known parts to the right-hand side.
  const addTerm = (w: number, t: number, f: number, b: number) => {
    const tFree = !pinned[t];
    const fFree = !pinned[f];
    let known = b;
    for (let j = 0; j < q; j++) {
      if (!tFree) known -= phiT[j] * pinValue(j);
      if (!fFree) known += phiF[j] * pinValue(j);
    }
    for (let j = 0; j < q; j++) {
      if (tFree) {
        system.rhs[t * q + j] += w * phiT[j] * known;
        for (let l = 0; l <= j; l++) system.add(t * q + j, t * q + l, w * phiT[j] * phiT[l]);
      }
      if (fFree) {
        system.rhs[f * q + j] -= w * phiF[j] * known;
        for (let l = 0; l <= j; l++) system.add(f * q + j, f * q + l, w * phiF[j] * phiF[l]);
      }
      if (tFree && fFree) for (let l = 0; l < q; l++) system.add(t * q + l, f * q + j, -w * phiT[l] * phiF[j]);
    }
  };
  pairs.forEach((p, k) => {
    const pts = p.points;
    const wk = weights[k];
    let total = 0;
    for (let i = 0; i < wk.length; i++) {
      const [sx, sy, dx, dy] = [(pts[4 * i] - frame.cx) / frame.scale, (pts[4 * i + 1] - frame.cy) / frame.scale, (pts[4 * i + 2] - frame.cx) / frame.scale, (pts[4 * i + 3] - frame.cy) / frame.scale];
      total += wk[i];
      if (fixed) {
        // c_t - c_f = (L_f d - L_t s) row.
        const lt = 4 * p.to + 2 * row;
        const lf = 4 * p.from + 2 * row;
        phiT[0] = 1;
        phiF[0] = 1;
        addTerm(wk[i], p.to, p.from, fixed[lf] * dx + fixed[lf + 1] * dy - (fixed[lt] * sx + fixed[lt + 1] * sy));
      } else {
        phiT.set([sx, sy, 1]);
        phiF.set([dx, dy, 1]);
        addTerm(wk[i], p.to, p.from, 0);
      }
    }
    if (prior) {
      slicePoints[p.to] += total;
      slicePoints[p.from] += total;
    }
  });
  // lambda * W_i * |L_i - R_i|^2 on this row's two linear coefficients, W_i the weight of slice i's points.
  if (prior) {
    for (let i = 0; i < n; i++) {
      if (pinned[i]) continue;
      for (const j of [0, 1]) {
        const w = opts.lambda * slicePoints[i];
        system.add(i * q + j, i * q + j, w);
        system.rhs[i * q + j] += w * prior[4 * i + 2 * row + j];
      }
    }
  }
  return system.solve();
}

/** Solves every slice's transform (see the header); `weights` start at 1 and are updated in place. */
export function solvePoses(pairs: readonly SolvePair[], n: number, opts: SolveOptions): PoseSolution {
  const frame: Frame = { cx: (opts.width - 1) / 2, cy: (opts.height - 1) / 2, scale: Math.max(opts.width, opts.height) / 2 };
  const parts = connectedParts(pairs, n);
  const pinned = new Uint8Array(n).fill(1);
  for (const part of parts) for (const i of part.slice(1)) pinned[i] = 0;
  const weights = pairs.map((p) => new Float64Array(p.points.length / 4).fill(p.weight ?? 1));
  // Normalised transforms, [a, b, c, d, e, f] per slice.
  let hat = new Float64Array(6 * n);
  const linear = new Float64Array(4 * n);
  const solveAll = () => {
    hat = new Float64Array(6 * n);
    if (opts.model === "translation") {
      for (let i = 0; i < n; i++) linear.set([1, 0, 0, 1], 4 * i);
    } else {
      // The rotations: nearest rotations of an unregularised affine solve.
      const x = solveRow(0, pairs, weights, pinned, n, frame, opts, undefined, undefined);
      const y = solveRow(1, pairs, weights, pinned, n, frame, opts, undefined, undefined);
      for (let i = 0; i < n; i++) linear.set(nearestRotation(x[3 * i], x[3 * i + 1], y[3 * i], y[3 * i + 1]), 4 * i);
    }
    if (opts.model === "affine") {
      const x = solveRow(0, pairs, weights, pinned, n, frame, opts, undefined, linear);
      const y = solveRow(1, pairs, weights, pinned, n, frame, opts, undefined, linear);
      for (let i = 0; i < n; i++) hat.set([x[3 * i], x[3 * i + 1], x[3 * i + 2], y[3 * i], y[3 * i + 1], y[3 * i + 2]], 6 * i);
      return;
    }
    const tx = solveRow(0, pairs, weights, pinned, n, frame, opts, linear, undefined);
    const ty = solveRow(1, pairs, weights, pinned, n, frame, opts, linear, undefined);
    for (let i = 0; i < n; i++) hat.set([linear[4 * i], linear[4 * i + 1], tx[i], linear[4 * i + 2], linear[4 * i + 3], ty[i]], 6 * i);
  };
  const pairRms = new Float64Array(pairs.length);
  const residuals = () => {
    pairs.forEach((p, k) => {
      const pts = p.points;
      let sum = 0;
      const m = weights[k].length;
      for (let i = 0; i < m; i++) {
        const [sx, sy, dx, dy] = [(pts[4 * i] - frame.cx) / frame.scale, (pts[4 * i + 1] - frame.cy) / frame.scale, (pts[4 * i + 2] - frame.cx) / frame.scale, (pts[4 * i + 3] - frame.cy) / frame.scale];
        const [t, f] = [6 * p.to, 6 * p.from];
        const rx = hat[t] * sx + hat[t + 1] * sy + hat[t + 2] - (hat[f] * dx + hat[f + 1] * dy + hat[f + 2]);
        const ry = hat[t + 3] * sx + hat[t + 4] * sy + hat[t + 5] - (hat[f + 3] * dx + hat[f + 4] * dy + hat[f + 5]);
        const r = Math.hypot(rx, ry) * frame.scale;
        sum += r * r;
        weights[k][i] = (p.weight ?? 1) * (r <= opts.huberPx ? 1 : opts.huberPx / r);
      }
      pairRms[k] = m > 0 ? Math.sqrt(sum / m) : 0;
    });
  };
  for (let round = 0; round < Math.max(1, opts.iterations); round++) {
    solveAll();
    residuals();
  }
  // Back to pixels: T = N^-1 ∘ T^ ∘ N with N(p) = (p - centre) / scale.
  const toNorm: Affine = [1 / frame.scale, 0, -frame.cx / frame.scale, 0, 1 / frame.scale, -frame.cy / frame.scale];
  const fromNorm: Affine = [frame.scale, 0, frame.cx, 0, frame.scale, frame.cy];
  const globals: Affine[] = [];
  for (let i = 0; i < n; i++) {
    globals.push(pinned[i] ? IDENTITY : compose(fromNorm, compose(Array.from(hat.subarray(6 * i, 6 * i + 6)) as unknown as Affine, toNorm)));
  }
  return { globals, pairRms, parts };
}
