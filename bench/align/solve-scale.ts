// bench/align (issue 15 items 2, 6, 7): the plan step's global solve at scale, and chained vs solved
// long-range error on synthetic matches with known truth (test/align/solve-fixtures.ts).
//
//   node dist/bench/align/solve-scale.js [--slices 50000] [--k 2] [--size 4096] [--noise 0.3]
//
// 1. Scale: n slices, every pair up to k apart with 64 sample points of 0.3 px noise, stored as the align
//    tasks record them (base64 samples, inlier-sample.ts); then solvePlan, as the plan step calls it. Prints
//    the bytes of the recorded outcomes (each pair's fit uses all its points, its sample keeps 64), wall and CPU seconds of the solve, and the process's peak RSS
//    (VmHWM) before and after it.
// 2. Accuracy: 1000 slices at 1024^2, 0.3 px point noise, 200 points per pair: the chain of the adjacent
//    pairs' least-squares fits (plan-transforms.ts) against the solve, worst corner error vs truth in each
//    block of 100 slices.
import { readFileSync } from "node:fs";
import { encodeSample, fitModel, MAX_SAMPLE, planTransforms, solveParams, solvePlan, type AlignedPair, type SolvePair } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import type { Affine } from "../../core/geometry/affine.js";
import { worstCornerError } from "../../test/align/fixtures.js";
import { syntheticMatches } from "../../test/align/solve-fixtures.js";
import { optionReader } from "../support.js";

const peakMiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;

function recorded(pairs: readonly SolvePair[]): AlignedPair[] {
  return pairs.map((p) => {
    const m = p.points.length / 4;
    const idx = Array.from({ length: m }, (_, i) => i);
    const pts = { src: new Float64Array(2 * m), dst: new Float64Array(2 * m) };
    for (let i = 0; i < m; i++) {
      pts.src.set([p.points[4 * i], p.points[4 * i + 1]], 2 * i);
      pts.dst.set([p.points[4 * i + 2], p.points[4 * i + 3]], 2 * i);
    }
    const matrix = fitModel("affine", pts, idx) ?? [1, 0, 0, 0, 1, 0];
    return { from: p.from, to: p.to, result: { ok: true, matrix, flags: [], inliers: m, matches: m, sample: encodeSample(p.points.subarray(0, 4 * Math.min(m, MAX_SAMPLE))) } };
  });
}

const get = optionReader(process.argv.slice(2));
const n = Number(get("slices", "50000"));
const k = Number(get("k", "2"));
const size = Number(get("size", "4096"));
const noise = Number(get("noise", "0.3"));
const params = solveParams(DEFAULT_CONFIG.align);

{
  const synthetic = syntheticMatches(n, k, { size, noisePx: noise, stepPx: 3 });
  const pairs = recorded(synthetic.pairs);
  synthetic.pairs.length = 0;
  const bytes = pairs.reduce((s, p) => s + JSON.stringify(p.result).length, 0);
  const before = peakMiB();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const plan = solvePlan(pairs, n, size, size, params);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const worst = Math.max(...plan.globals.map((g, i) => worstCornerError(g, synthetic.truth[i], size, size)));
  console.log(
    `scale: ${n} slices, k ${k}, ${pairs.length} pairs, ${(bytes / pairs.length).toFixed(0)} B of JSON per pair outcome (${(bytes / 2 ** 20).toFixed(1)} MiB): ` +
      `solve ${seconds.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU-s; peak RSS ${before.toFixed(0)} MiB before, ${peakMiB().toFixed(0)} MiB after; bad ${plan.bad.length}; worst corner error ${worst.toFixed(2)} px`,
  );
}

{
  const N = 1000;
  const synthetic = syntheticMatches(N, k, { size: 1024, noisePx: noise, points: 200, stepPx: 2, seed: 3 });
  const pairs = recorded(synthetic.pairs);
  const chain = planTransforms(pairs.filter((p) => p.to - p.from === 1), N, 1024, 1024).globals;
  const solved = solvePlan(pairs, N, 1024, 1024, params).globals;
  const block = (g: readonly Affine[], b: number) => Math.max(...g.slice(100 * b, 100 * b + 100).map((m, i) => worstCornerError(m, synthetic.truth[100 * b + i], 1024, 1024)));
  console.log(`accuracy (${N} slices of 1024^2, ${noise} px point noise, 200 points per pair, k ${k}): worst corner error vs truth per block of 100 slices`);
  console.log("| slices | chained (px) | solve (px) |\n| --- | --- | --- |");
  for (let b = 0; b < N / 100; b++) console.log(`| ${100 * b}-${100 * b + 99} | ${block(chain, b).toFixed(3)} | ${block(solved, b).toFixed(3)} |`);
}
