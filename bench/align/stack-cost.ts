// bench/align (issue 15 item 7): CPU per slice of the whole alignment, today's method (features, the
// adjacent pairs, the chain) against the global solve at k = nAdjacent (features, the pairs up to k apart,
// the solve), on one synthetic stack in this process (one thread; OpenCV's native addon).
//
//   node dist/bench/align/stack-cost.js [--slices 10] [--size 2048] [--k 2]
//
// CPU time is process.cpuUsage (user + system) around each step; slices are rendered before timing.
import { alignPair, extractFeatures, planTransforms, solveParams, solvePlan, type AlignedPair, type SliceFeatures } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { generateSampleStack } from "../../core/sample/index.js";
import { optionReader } from "../support.js";

const get = optionReader(process.argv.slice(2));
const n = Number(get("slices", "10"));
const size = Number(get("size", "2048"));
const k = Number(get("k", "2"));
const cpu = <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const start = process.cpuUsage();
  return fn().then((value) => {
    const used = process.cpuUsage(start);
    return [value, (used.user + used.system) / 1e6];
  });
};

const stack = generateSampleStack({ count: n, width: size, height: size, seed: 11 });
const [features, featureCpu] = await cpu(async () => {
  const out: SliceFeatures[] = [];
  for (const s of stack.slices) out.push(await extractFeatures(s));
  return out;
});
const matchSpan = (span: number) =>
  cpu(async () => {
    const pairs: AlignedPair[] = [];
    for (let to = span; to < n; to++) pairs.push({ from: to - span, to, result: await alignPair(features[to - span], features[to]) });
    return pairs;
  });
const [adjacent, adjacentCpu] = await matchSpan(1);
let farther: AlignedPair[] = [];
let fartherCpu = 0;
for (let span = 2; span <= k; span++) {
  const [pairs, used] = await matchSpan(span);
  farther = farther.concat(pairs);
  fartherCpu += used;
}
const [, chainCpu] = await cpu(async () => planTransforms(adjacent, n, size, size));
const [, solveCpu] = await cpu(async () => solvePlan([...adjacent, ...farther], n, size, size, solveParams(DEFAULT_CONFIG.align)));
const today = (featureCpu + adjacentCpu + chainCpu) / n;
const solved = (featureCpu + adjacentCpu + fartherCpu + solveCpu) / n;
console.log(
  `${n} slices of ${size}^2, k ${k}: CPU-s per slice: features ${(featureCpu / n).toFixed(3)}, pairs 1 apart ${(adjacentCpu / n).toFixed(3)}, ` +
    `pairs 2..${k} apart ${(fartherCpu / n).toFixed(3)}, chain ${(chainCpu / n).toFixed(4)}, solve ${(solveCpu / n).toFixed(4)}; ` +
    `today ${today.toFixed(3)}, with the solve ${solved.toFixed(3)} (${(solved / today).toFixed(2)}x)`,
);
