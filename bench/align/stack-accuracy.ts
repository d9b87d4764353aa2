// bench/align (issue 15 item 6): chained vs solved alignment on rendered stacks with known truth
// (test/align/long-stack.ts), through the real per-slice path: features, every pair up to k apart as
// align-task.ts matches them, the bridges, then the chain (plan-transforms.ts) and the solve (solve-plan.ts).
//
//   node dist/bench/align/stack-accuracy.js [--n 240] [--size 256] [--k 2] [--seed 5] [--static] [--clean] [--pairs FILE]
//
// --static: tissue that does not change along z (every span measures the truth); --clean: no bad slices,
// stripes or brightness drift; --seed: another stack of the same kind (jitter, rotations, texture). --pairs caches the matched pairs (JSON) so the solve can be rerun.
// Prints the worst corner error against the truth per block of 100 slices for the chain, the solve with
// k = 1 and the solve with k, and the bad slices each finds.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { planTransforms, solveParams, solvePlan, type AlignedPair } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { defaultLongStack, errorsAgainstTruth, longStack, matchStack } from "../../test/align/long-stack.js";
import { optionReader } from "../support.js";

const argv = process.argv.slice(2);
const get = optionReader(argv);
const n = Number(get("n", "240"));
const size = Number(get("size", "256"));
const k = Number(get("k", "2"));
const staticTissue = argv.includes("--static");
const clean = argv.includes("--clean");
const cache = get("pairs", "");
const seed = Number(get("seed", String(defaultLongStack(n, size).seed)));
const base = { ...defaultLongStack(n, size), seed, staticTissue };
const options = clean ? { ...base, stripeGray: 0, brightnessDrift: false, blank: [], noise: [], halfBlank: [], repeat: [] } : base;
const stack = longStack(options);
// The pairs a run with nAdjacent = span records: up to span apart, and the bridges beyond span.
async function pairsOf(span: number): Promise<AlignedPair[]> {
  const file = cache ? `${cache}.k${span}.json` : "";
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as AlignedPair[];
  // A stack with stripes is matched with align.destripe on, as a user would run it.
  const pairs = await matchStack(stack, span, options.stripeGray > 0);
  if (file) writeFileSync(file, JSON.stringify(pairs));
  return pairs;
}
const one = await pairsOf(1);
const params = solveParams(DEFAULT_CONFIG.align);
const methods = {
  chained: planTransforms(one, n, size, size),
  "solve k=1": solvePlan(one, n, size, size, params),
  [`solve k=${k}`]: solvePlan(k === 1 ? one : await pairsOf(k), n, size, size, params),
};
const reference = methods.chained.sources.findIndex((s, z) => s === z);
const rows: string[] = [];
const errors = Object.fromEntries(Object.entries(methods).map(([name, plan]) => [name, errorsAgainstTruth(plan.globals, stack, reference)]));
for (let b = 0; b < n; b += 100) {
  const cells = Object.values(errors).map((e) => Math.max(...e.slice(b, Math.min(n, b + 100))).toFixed(3));
  rows.push(`| ${b}-${Math.min(n, b + 100) - 1} | ${cells.join(" | ")} |`);
}
console.log(`${n} slices of ${size}^2, ${staticTissue ? "static" : "sample"} tissue${clean ? ", clean" : ""}, seed ${seed}, k = ${k}, reference slice ${reference}`);
console.log(`| slices | ${Object.keys(methods).join(" | ")} |`);
console.log(`| --- | ${Object.keys(methods).map(() => "---").join(" | ")} |`);
for (const r of rows) console.log(r);
for (const [name, plan] of Object.entries(methods)) console.log(`${name}: worst ${Math.max(...errors[name]).toFixed(3)} px, bad ${plan.bad.join(",")}`);
console.log(`truth bad: ${stack.bad.join(",")}`);
