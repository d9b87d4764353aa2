// A long synthetic stack with known per-slice transforms and the defects of real acquisitions, for the
// long-stack test (long-stack.test.ts) and bench/align/long-stack.ts. Each slice z is the sample tissue at
// depth z seen through its true global transform (slice pixel -> reference point):
// - a slow drift of driftPx per slice in x and half that in y, and Gaussian jitter of jitterPx per slice;
// - small rotations (rotationDeg, Gaussian) about the image centre;
// - a restart jump: from slice jumpAt on, a persistent shift of jumpPx in x and -jumpPx / 2 in y;
// - vertical stripes fixed in the image frame (curtaining): every column offset by up to +-stripeGray;
// - brightness drift: contrast from 0.6 to 1.3 and an offset along the stack;
// - bad slices: blank first slice, two adjacent noise slices, a half-blank slice, a repeated frame.
import { alignPair, bridgePairs, extractFeatures, weakPairs, type AlignedPair, type PairResult, type SliceFeatures } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { compose, invert, type Affine } from "../../core/geometry/affine.js";
import type { Gray8 } from "../../core/image/gray.js";
import { DEFAULT_TISSUE, renderTissue } from "../../core/sample/index.js";
import { sequence } from "../../core/sample/random.js";
import { worstCornerError } from "./fixtures.js";

export interface LongStackOptions {
  n: number;
  size: number;
  seed: number;
  driftPx: number;
  jitterPx: number;
  rotationDeg: number;
  jumpAt: number;
  jumpPx: number;
  stripeGray: number;
  /** Contrast from 0.6 to 1.3 and a slow offset along the stack (false: contrast 1, no offset). */
  brightnessDrift: boolean;
  /** The tissue's cells do not move along z (DEFAULT_TISSUE's zAmplitude 0): every pair, of any span, then
   * measures only the slices' own transforms. False: the sample tissue, whose cells wander along z. */
  staticTissue: boolean;
  /** Slices spoiled, by kind; "repeat" copies the slice before it. */
  blank: number[];
  noise: number[];
  halfBlank: number[];
  repeat: number[];
}

export function defaultLongStack(n: number, size = 256): LongStackOptions {
  return {
    n, size, seed: 5, driftPx: 0.04, jitterPx: 1.5, rotationDeg: 0.15, jumpAt: Math.floor(n * 0.55), jumpPx: Math.round(size * 0.16), stripeGray: 14, brightnessDrift: true, staticTissue: false,
    blank: [0], noise: [Math.floor(n * 0.3), Math.floor(n * 0.3) + 1], halfBlank: [Math.floor(n * 0.45)], repeat: [Math.floor(n * 0.75)],
  };
}

export interface LongStack {
  slices: Gray8[];
  /** True global transform of every slice (of the slice it copies, for a repeat). */
  truth: Affine[];
  bad: number[];
}

/**
 * renders: the tissue as rendered, by its render arguments, shared by the calls given the same map.
 * renderTissue is a pure function of them, and they do not depend on stripeGray or brightnessDrift (which
 * are applied after it, and every option draws the same random numbers), so stacks that differ only in those
 * render the tissue once.
 */
export function longStack(o: LongStackOptions, renders?: Map<string, Uint8Array>): LongStack {
  const rand = sequence(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const c = (o.size - 1) / 2;
  const tissue = { ...DEFAULT_TISSUE, seed: o.seed, cellSize: (40 * o.size) / 1024, ...(o.staticTissue ? { zAmplitude: 0 } : {}) };
  const stripes = Float64Array.from({ length: o.size }, () => o.stripeGray * (2 * rand() - 1));
  const truth: Affine[] = [];
  const slices: Gray8[] = [];
  for (let z = 0; z < o.n; z++) {
    const jump = z >= o.jumpAt ? o.jumpPx : 0;
    const t = (o.rotationDeg * Math.PI * gauss()) / 180;
    const [cos, sin] = [Math.cos(t), Math.sin(t)];
    const rotation: Affine = [cos, -sin, c - cos * c + sin * c, sin, cos, c - sin * c - cos * c];
    const shift: Affine = [1, 0, o.driftPx * z + o.jitterPx * gauss() + jump, 0, 1, (o.driftPx / 2) * z + o.jitterPx * gauss() - jump / 2];
    truth.push(compose(shift, rotation));
    if (o.repeat.includes(z)) {
      truth[z] = truth[z - 1];
      slices.push({ width: o.size, height: o.size, data: Uint8Array.from(slices[z - 1].data) });
      continue;
    }
    const args = { z, transform: truth[z], width: o.size, height: o.size, noise: 6 };
    const key = JSON.stringify([tissue, args]);
    const rendered = renders?.get(key) ?? renderTissue(tissue, args);
    renders?.set(key, rendered);
    const data = renders ? Uint8Array.from(rendered) : rendered;
    const gain = o.brightnessDrift ? 0.6 + (0.7 * z) / o.n : 1;
    const offset = o.brightnessDrift ? 20 * Math.sin(z / 40) : 0;
    for (let y = 0; y < o.size; y++) {
      for (let x = 0; x < o.size; x++) {
        const i = y * o.size + x;
        data[i] = Math.max(0, Math.min(255, Math.round(128 + gain * (data[i] - 128) + offset + stripes[x])));
      }
    }
    if (o.blank.includes(z)) data.fill(120);
    if (o.noise.includes(z)) for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
    if (o.halfBlank.includes(z)) for (let y = 0; y < o.size; y++) data.fill(0, y * o.size + o.size / 2, (y + 1) * o.size);
    slices.push({ width: o.size, height: o.size, data });
  }
  const bad = [...o.blank, ...o.noise, ...o.halfBlank, ...o.repeat].sort((a, b) => a - b);
  return { slices, truth, bad };
}

/** Every pair up to k apart, and the bridges of bridge-pairs.ts, as the pipeline matches them. */
export async function matchStack(stack: LongStack, k: number, destripe = false): Promise<AlignedPair[]> {
  const features: SliceFeatures[] = [];
  for (const s of stack.slices) features.push(await extractFeatures(s, { destripe }));
  const same = (a: SliceFeatures, b: SliceFeatures) => a.count > 0 && a.count === b.count && a.x.every((v, i) => v === b.x[i]) && a.y.every((v, i) => v === b.y[i]);
  const match = async (from: number, to: number): Promise<PairResult> =>
    same(features[from], features[to])
      ? { ok: false, model: "translation", matrix: [1, 0, 0, 0, 1, 0], matches: 0, inliers: 0, inlierRatio: 0, residualPx: 0, flags: ["repeated-frame"] }
      : alignPair(features[from], features[to]);
  const pairs: AlignedPair[] = [];
  for (let to = 1; to < features.length; to++) {
    for (let from = to - 1; from >= Math.max(0, to - k); from--) pairs.push({ from, to, result: await match(from, to) });
  }
  // As core/pipeline/bridge-tasks.ts: around the failed and the weak adjacent pairs.
  const adjacent = pairs.filter((p) => p.to - p.from === 1);
  const failed = adjacent.filter((p) => p.result?.ok !== true).map((p) => p.to);
  const weak = weakPairs(adjacent).flatMap((w, j) => (w ? [adjacent[j].to] : []));
  for (const [from, to] of bridgePairs(failed, features.length, { ...DEFAULT_CONFIG.align, maxFailedPairShare: 1 }, k, weak)) pairs.push({ from, to, result: await match(from, to) });
  return pairs;
}

/** Worst corner error of each good slice's transform against the truth, both relative to the reference. */
export function errorsAgainstTruth(globals: readonly Affine[], stack: LongStack, reference: number): number[] {
  const base = invert(stack.truth[reference]);
  const size = stack.slices[0].width;
  return globals.map((g, z) => (stack.bad.includes(z) ? 0 : worstCornerError(compose(invert(globals[reference]), g), compose(base, stack.truth[z]), size, size)));
}
