// bench/align (issue 15 item 4): what destripe.ts does to the alignment of stacks with and without
// curtaining, side by side in one invocation, through the per-slice path of test/align/long-stack.ts
// (features, every pair up to nAdjacent apart, the bridges, the global solve of the plan step).
//
//   node dist/bench/align/destripe-accuracy.js [--stacks hostile,plain,stripes,drift,sample,static] [--rules off,default,8:2] [--k 1]
//     [--sample-seed 11] [--long-seed 6] [--jump 0]
//
// Stacks: hostile = the 32-slice 512^2 `emingest sample` stack (seed 11) of the hostile alignment case
// "two adjacent blank slices" (blank 12, noise 13); hostile-stripes = that stack with +-14 gray stripes and
// no bad slice; plain / stripes / drift = the 120-slice 256^2 stacks of long-stack.test.ts (no stripes,
// +-14 gray stripes, brightness drift), static-plain / static-stripes / static-drift the same with tissue
// that does not change along z; sample / static = the 240-slice
// default long stack of bench/align/stack-accuracy.ts (stripes, drift, a jump, bad slices), sample or
// static tissue. --rules: off = destripe off, default = destripe.ts as the features task runs it, K:c = K bands,
// consensus c. Every copy here is factor 1
// (the slices are at most maxSize), so destriping the slice is destriping the feature copy.
// Prints the worst corner error of the good slices against the truth (px) per stack and setting.
import { readFileSync } from "node:fs";
import { solveParams, solvePlan } from "../../core/align/index.js";
import { destripe, DESTRIPE_RULE, type DestripeRule } from "../../core/align/destripe.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { generateSampleStack } from "../../core/sample/index.js";
import { sequence } from "../../core/sample/random.js";
import { defaultLongStack, errorsAgainstTruth, longStack, matchStack, type LongStack } from "../../test/align/long-stack.js";
import { optionReader } from "../support.js";

const get = optionReader(process.argv.slice(2));
const names = get("stacks", "hostile,plain,stripes,drift,sample,static").split(",");
// "off", "default" (DESTRIPE_RULE), or bands:consensus, e.g. 8:2 (destripe.ts's DestripeRule).
const settings = get("rules", "off,default").split(",");
function ruleOf(setting: string): DestripeRule | undefined {
  if (setting === "off") return undefined;
  if (setting === "default") return DESTRIPE_RULE;
  const [bands, consensus] = setting.split(":").map(Number);
  return { bands, consensus };
}
const k = Number(get("k", String(DEFAULT_CONFIG.align.nAdjacent)));
// Seeds of the stacks: the sample stack's (11 in the hostile test) and the long stack's (6 in long-stack.test.ts).
const sampleSeed = Number(get("sample-seed", "11"));
const longSeed = Number(get("long-seed", "6"));
// --jump 0: the long stacks without their restart jump (jumpPx of long-stack.ts; default as there).
const jump = get("jump", "");

function hostileStack(striped: boolean): LongStack {
  const size = 512;
  const stack = generateSampleStack({ count: 32, width: size, height: size, seed: sampleSeed });
  if (striped) {
    // As test/hostile/striped-stack.test.ts: +-14 gray per column, seed 21, on every slice.
    const rand = sequence(21);
    const stripes = Float64Array.from({ length: size }, () => 14 * (2 * rand() - 1));
    for (const s of stack.slices) for (let i = 0; i < s.data.length; i++) s.data[i] = Math.max(0, Math.min(255, Math.round(s.data[i] + stripes[i % size])));
    return { slices: stack.slices, truth: stack.truth, bad: [] };
  }
  stack.slices[12] = { width: size, height: size, data: new Uint8Array(size * size).fill(120) };
  // As test/hostile/support/align-stacks.ts writeNoise(seed 7).
  const rand = sequence(7);
  stack.slices[13] = { width: size, height: size, data: Uint8Array.from({ length: size * size }, () => Math.floor(rand() * 256)) };
  return { slices: stack.slices, truth: stack.truth, bad: [12, 13] };
}

function stackNamed(name: string): LongStack {
  const staticTissue = name.startsWith("static-");
  const base = defaultLongStack(120);
  const clean = { ...base, jumpPx: jump === "" ? base.jumpPx : Number(jump), seed: longSeed, stripeGray: 0, brightnessDrift: false, staticTissue, blank: [], noise: [], halfBlank: [], repeat: [] };
  const kind = name.replace(/^static-/, "");
  if (name === "hostile" || name === "hostile-stripes") return hostileStack(name === "hostile-stripes");
  if (kind === "plain") return longStack(clean);
  if (kind === "stripes") return longStack({ ...clean, stripeGray: 14 });
  if (kind === "drift") return longStack({ ...clean, brightnessDrift: true });
  if (name === "sample" || name === "static") return longStack({ ...defaultLongStack(240), staticTissue: name === "static" });
  throw new Error(`--stacks: unknown stack "${name}"`);
}

console.log(`nAdjacent ${k}, sample seed ${sampleSeed}, long seed ${longSeed}${jump === "" ? "" : `, jump ${jump} px`}; load ${readFileSync("/proc/loadavg", "utf8").trim()}; worst corner error of the good slices vs truth (px)`);
console.log(`| stack | ${settings.join(" | ")} | bad (per setting) |`);
console.log(`| --- | ${settings.map(() => "---").join(" | ")} | --- |`);
for (const name of names) {
  const stack = stackNamed(name);
  const cells: string[] = [];
  const bad: string[] = [];
  for (const setting of settings) {
    const rule = ruleOf(setting);
    const copy = rule === undefined ? stack : { ...stack, slices: stack.slices.map((s) => destripe(s, rule)) };
    const pairs = await matchStack(copy, k, false);
    const solved = solvePlan(pairs, stack.slices.length, stack.slices[0].width, stack.slices[0].height, solveParams(DEFAULT_CONFIG.align));
    const reference = solved.sources.findIndex((s, z) => s === z);
    const errors = errorsAgainstTruth(solved.globals, stack, reference).filter((_, z) => !solved.bad.includes(z));
    cells.push(Math.max(...errors).toFixed(3));
    bad.push(solved.bad.join(","));
  }
  console.log(`| ${name} | ${cells.join(" | ")} | ${bad.join(" / ")} |`);
}
