// The reexport's core on memory stores, in seconds: a finished run whose stack has a bad slice (stood in for
// by a neighbour, so the seed carries substitutions and their evidence) is reexported with other output
// settings through the normal pipeline, seeded; every object equals a fresh run's with those settings. And
// the settings table: every output setting may change, every other field (and every "align" field) is
// refused by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { DEFAULT_CONFIG, parseIngestConfig, type IngestConfig } from "../../core/config.js";
import { readManifest } from "../../core/pipeline/manifest.js";
import { openSeededRun, readPlanSeed } from "../../core/pipeline/reexport-seed.js";
import { OUTPUT_SETTINGS, reexportConfig, reexportManifest } from "../../core/pipeline/reexport-settings.js";
import { runIngest } from "../../core/pipeline/sequence.js";
import { silentProgress } from "../../core/pipeline/stage-runner.js";
import { sameRunObject } from "../support/run-bytes.js";
import { FIXED_NOW, InProcessRunner, memoryDeps, sampleSource } from "../pipeline/support/memory-pipeline.js";

// Any share of failed pairs is accepted, so the blank slice is stood in for instead of stopping the run.
const ALIGN = { maxFailedPairShare: 1 };

test("a seeded reexport on memory stores (with a stood-in slice) equals a fresh run with its settings, object for object", async () => {
  const source = await sampleSource(5, 256);
  const blank = await sharp(new Uint8Array(256 * 256).fill(120), { raw: { width: 256, height: 256, channels: 1 } }).png().toBuffer();
  await source.put("img00002.png", blank);

  const a = memoryDeps(source);
  const first = await runIngest(a, { config: parseIngestConfig({ cube: 64, claheClip: 2, align: ALIGN }), runner: new InProcessRunner(a), progress: silentProgress, now: FIXED_NOW });
  assert.equal(first.summary.substitutions.length, 1, "the blank slice is stood in for");

  const finished = { runs: a.runs, record: (await a.runs.getRun(first.run)) ?? assert.fail("no record") };
  const oldManifest = await readManifest(a.out);
  const manifest = reexportManifest(oldManifest, reexportConfig(oldManifest.config, { claheClip: 3, zarr: true, raw: true }, "test"));
  const seed = await readPlanSeed(a.out, oldManifest);
  assert.equal(seed.evidence[0].failedPairs.length > 0, true, "the seed carries the stand-in's evidence");
  const r = memoryDeps(source);
  await openSeededRun(r, manifest, finished, FIXED_NOW);
  const reexported = await runIngest(r, { config: manifest.config, manifest, runner: new InProcessRunner(r), progress: silentProgress, now: FIXED_NOW, seed });
  const { render, pyramid, ...aligning } = reexported.executed;
  assert.deepEqual(aligning, { features: 0, align: 0, bridge: 0 }, "no feature or match task ran");
  assert.ok(render === 5 && pyramid > 0);

  const b = memoryDeps(source);
  const fresh = await runIngest(b, {
    config: parseIngestConfig({ cube: 64, claheClip: 3, zarr: true, raw: true, align: ALIGN }),
    runner: new InProcessRunner(b),
    progress: silentProgress,
    now: FIXED_NOW,
  });
  assert.equal(reexported.run, fresh.run);
  const [got, want] = [r.out.snapshot(), b.out.snapshot()];
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  const differing = [...want].filter(([k, bytes]) => !sameRunObject(k, bytes, got.get(k))).map(([k]) => k);
  assert.deepEqual(differing, []);
  assert.deepEqual(reexported.summary, fresh.summary);
});

/** A value other than the default for every config field. */
const CHANGED: { [K in keyof IngestConfig]-?: IngestConfig[K] } = {
  pattern: "img%05d.png",
  minz: 1,
  maxz: 3,
  resolution: [4, 4, 4],
  downsample: 2,
  claheClip: 3,
  claheTiles: 4,
  skipAlign: true,
  raw: true,
  rawEncoding: "gzip",
  zarr: true,
  jpegQuality: 70,
  window16: [1, 99],
  window16Scope: "slice",
  xyOrigin: "zero",
  align: { maxSize: 512, rod: 0.8, maxEpsilon: 9, minInlierRatio: 0.2, minNumInliers: 9, expectedModel: "rigid", detector: "sift", destripe: false, maxFailedPairShare: 0.5, maxConsecutiveBad: 3, nAdjacent: 3 },
  cube: 256,
  maxPixels: 1000,
};

test("reexportConfig: the output settings may change; every other field, and each align field, is refused by name", () => {
  const base = parseIngestConfig({});
  for (const field of OUTPUT_SETTINGS) {
    const config = reexportConfig(base, { [field]: CHANGED[field] }, "flags");
    assert.deepEqual(config[field], CHANGED[field], field);
  }
  const output = new Set<string>(OUTPUT_SETTINGS);
  for (const field of Object.keys(CHANGED) as Array<keyof IngestConfig>) {
    if (output.has(field) || field === "align") continue;
    assert.throws(() => reexportConfig(base, { [field]: CHANGED[field] }, "flags"), { message: new RegExp(`^flags: "${field}" is an alignment or input setting`) }, field);
  }
  for (const [field, value] of Object.entries(CHANGED.align)) {
    assert.notDeepEqual(value, DEFAULT_CONFIG.align[field as keyof IngestConfig["align"]], `the table changes align.${field}`);
    assert.throws(() => reexportConfig(base, { align: { [field]: value } }, "flags"), { message: new RegExp(`^flags: "align\\.${field}" is an alignment or input setting`) }, field);
  }
  // The same value given again is no change.
  assert.deepEqual(reexportConfig(base, { align: { detector: "akaze" }, resolution: [8, 8, 8] }, "flags"), base);
});
