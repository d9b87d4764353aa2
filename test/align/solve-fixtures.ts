// Synthetic matches with known truth for the global-solve tests and bench/align: per-slice global
// transforms (a random walk of translations, jitter, small rotations), and for every pair up to k apart a
// sample of point pairs that the truth maps onto each other, with noise.
import { apply, compose, invert, type Affine } from "../../core/geometry/affine.js";
import { sequence } from "../../core/sample/random.js";
import type { SolvePair } from "../../core/align/index.js";

export interface SyntheticStack {
  truth: Affine[];
  pairs: SolvePair[];
}

export function syntheticMatches(n: number, k: number, opts: { size: number; noisePx: number; points?: number; seed?: number; stepPx?: number; rotationDeg?: number }): SyntheticStack {
  const rand = sequence(opts.seed ?? 7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const truth: Affine[] = [];
  let [x, y] = [0, 0];
  for (let i = 0; i < n; i++) {
    x += (opts.stepPx ?? 2) * gauss();
    y += (opts.stepPx ?? 2) * gauss();
    const t = ((opts.rotationDeg ?? 0.2) * Math.PI * gauss()) / 180;
    const c = (opts.size - 1) / 2;
    // A rotation about the image centre, then the walk.
    truth.push([Math.cos(t), -Math.sin(t), c - Math.cos(t) * c + Math.sin(t) * c + x, Math.sin(t), Math.cos(t), c - Math.sin(t) * c - Math.cos(t) * c + y]);
  }
  const base = invert(truth[0]);
  for (let i = 0; i < n; i++) truth[i] = compose(base, truth[i]);
  const pairs: SolvePair[] = [];
  const m = opts.points ?? 64;
  for (let to = 1; to < n; to++) {
    for (let from = Math.max(0, to - k); from < to; from++) {
      const pair = compose(invert(truth[from]), truth[to]);
      const points = new Float32Array(4 * m);
      for (let i = 0; i < m; i++) {
        const [sx, sy] = [rand() * opts.size, rand() * opts.size];
        const [dx, dy] = apply(pair, sx, sy);
        points.set([sx, sy, dx + opts.noisePx * gauss(), dy + opts.noisePx * gauss()], 4 * i);
      }
      pairs.push({ from, to, points });
    }
  }
  return { truth, pairs };
}
