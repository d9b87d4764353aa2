// Issue 15 item 4: at the default settings (align.destripe on, destripe.ts), curtaining stripes fixed in the
// image frame and slow brightness drift do not bias the alignment. Long synthetic stacks of tissue that does
// not change along z (long-stack.ts, staticTissue), so that every pair measures only the slices' own
// transforms and a bias shows, through the real per-slice path: extractFeatures as the features task calls
// it with the run's align settings, the pairs of align-task.ts up to nAdjacent apart, the bridges, the
// global solve of the plan step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { solveParams, solvePlan } from "../../core/align/index.js";
import { DEFAULT_CONFIG } from "../../core/config.js";
import { defaultLongStack, errorsAgainstTruth, longStack, matchStack, type LongStackOptions } from "./long-stack.js";

const N = 120;
const { destripe, nAdjacent } = DEFAULT_CONFIG.align;

/** Worst corner error (px) of the solved transforms against the truth, with destripe and nAdjacent as given. */
async function worstError(options: LongStackOptions, withDestripe: boolean, k = nAdjacent, renders?: Map<string, Uint8Array>): Promise<number> {
  const stack = longStack(options, renders);
  const solved = solvePlan(await matchStack(stack, k, withDestripe), N, options.size, options.size, solveParams(DEFAULT_CONFIG.align));
  assert.deepEqual(solved.bad, [], "no slice is bad");
  return Math.max(...errorsAgainstTruth(solved.globals, stack, 0));
}

test("stripes (+-14 gray) and brightness drift: aligned as well as the plain stack within 0.15 px at the default settings; with destripe off the stripes pull pairs toward the identity", { timeout: 900_000 }, async () => {
  assert.equal(destripe, true, "destripe is on by default");
  const rows: string[] = [];
  const striped = { on: 0, off: 0 };
  for (const seed of [6, 7, 8]) {
    const plain: LongStackOptions = { ...defaultLongStack(N), seed, staticTissue: true, stripeGray: 0, brightnessDrift: false, blank: [], noise: [], halfBlank: [], repeat: [] };
    // The four stacks of a seed differ only after the tissue is rendered (long-stack.ts): render it once.
    const renders = new Map<string, Uint8Array>();
    const worst = {
      plain: await worstError(plain, destripe, nAdjacent, renders),
      stripes: await worstError({ ...plain, stripeGray: 14 }, destripe, nAdjacent, renders),
      "brightness drift": await worstError({ ...plain, brightnessDrift: true }, destripe, nAdjacent, renders),
      "stripes, destripe off, nAdjacent 1": await worstError({ ...plain, stripeGray: 14 }, false, 1, renders),
    };
    assert.equal(renders.size, N, "one render per slice, shared by the four stacks");
    rows.push(`seed ${seed}: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ")}`);
    const what = rows.join("; ");
    assert.ok(worst.stripes <= worst.plain + 0.15, what);
    assert.ok(worst["brightness drift"] <= worst.plain + 0.15, what);
    striped.on = Math.max(striped.on, worst.stripes);
    striped.off = Math.max(striped.off, worst["stripes, destripe off, nAdjacent 1"]);
  }
  // The stripes do bias an alignment that does not take them out, so the checks above can fail: matched
  // only with the adjacent slice (where the pull toward the identity is strongest; pairs 2 apart dilute it,
  // BENCHMARKS.md "Destripe"), by 0.2 px with one seed's stripe pattern and 1 px with another's.
  assert.ok(striped.off > striped.on + 0.5, `worst over the seeds: ${JSON.stringify(striped)}; ${rows.join("; ")}`);
  console.log(`static tissue, ${N} x 256^2, nAdjacent ${nAdjacent}, destripe ${destripe}: worst corner error vs truth (px): ${rows.join("; ")}`);
});
