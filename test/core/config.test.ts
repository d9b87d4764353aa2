import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONFIG, parseIngestConfig } from "../../core/config.js";

test("an empty config takes every default", () => {
  assert.deepEqual(parseIngestConfig({}), { ...DEFAULT_CONFIG, pattern: undefined, minz: undefined, maxz: undefined });
});

test("resolution: the bounds themselves are accepted", () => {
  assert.deepEqual(parseIngestConfig({ resolution: [0.001, 0.001, 1e6] }).resolution, [0.001, 0.001, 1e6]);
});

test("fields are parsed and kept", () => {
  const c = parseIngestConfig({ pattern: "img%05d.png", minz: 3, maxz: 9, resolution: [4, 4, 30], claheClip: 2, raw: true, align: { maxSize: 512 } });
  assert.equal(c.pattern, "img%05d.png");
  assert.deepEqual([c.minz, c.maxz], [3, 9]);
  assert.deepEqual(c.resolution, [4, 4, 30]);
  assert.equal(c.claheClip, 2);
  assert.equal(c.raw, true);
  assert.equal(c.align.maxSize, 512);
  assert.equal(c.align.rod, 0.92);
  assert.equal(c.window16Scope, "stack");
  assert.equal(parseIngestConfig({ window16Scope: "slice" }).window16Scope, "slice");
  assert.equal(c.align.detector, "akaze");
  assert.equal(parseIngestConfig({ align: { detector: "sift" } }).align.detector, "sift");
});

const bad: Array<[string, unknown, RegExp]> = [
  ["not an object", [1], /ingest\.json: must be a JSON object/],
  ["unknown field", { minZ: 1 }, /unknown field "minZ"/],
  ["minz > maxz", { minz: 5, maxz: 2 }, /"minz" \(5\) must be <= "maxz" \(2\)/],
  ["negative minz", { minz: -1 }, /"minz" must be a number from 0/],
  ["two conversions", { pattern: "a%d_%d.png" }, /exactly one %d/],
  ["folder in pattern", { pattern: "../x%d.png" }, /without folders/],
  ["resolution", { resolution: [1, 2] }, /"resolution" must be three numbers \[x, y, z\] from 0.001 to 1000000 nm, got \[1,2\]/],
  ["resolution 1e308", { resolution: [1e308, 8, 8] }, /"resolution" must be three numbers \[x, y, z\] from 0.001 to 1000000 nm, got \[1e\+308,8,8\]/],
  ["resolution 0", { resolution: [8, 0, 8] }, /"resolution" must be three numbers/],
  ["resolution negative", { resolution: [8, 8, -4] }, /"resolution" must be three numbers/],
  ["resolution too fine", { resolution: [0.0009, 8, 8] }, /"resolution" must be three numbers/],
  ["resolution too coarse", { resolution: [8, 8, 1000001] }, /"resolution" must be three numbers/],
  ["resolution not numbers", { resolution: ["8", 8, 8] }, /"resolution" must be three numbers/],
  ["cube", { cube: 96 }, /"cube" must be 64 times a power of two/],
  ["cube too large for a task's memory", { cube: 2048 }, /"cube" must be at most 1024, got 2048: a pyramid task holds its whole cube in memory .*2048\^3 is 8 GiB/],
  ["clahe", { claheClip: -1 }, /"claheClip" must be a number from 0/],
  ["jpeg quality", { jpegQuality: 101 }, /"jpegQuality"/],
  ["model", { align: { expectedModel: "similarity" } }, /"align": "expectedModel" must be auto/],
  ["align field", { align: { ratio: 0.9 } }, /"align": unknown field "ratio"/],
  ["detector", { align: { detector: "surf" } }, /: ingest\.json: "align": "detector" must be one of akaze, sift, got "surf"$/],
  ["detector case", { align: { detector: "SIFT" } }, /"align": "detector" must be one of akaze, sift, got "SIFT"/],
  ["detector not a string", { align: { detector: 1 } }, /"align": "detector" must be one of akaze, sift, got 1/],
  ["window", { window16: [90, 10] }, /"window16" must be two percentiles/],
  ["window scope", { window16Scope: "z" }, /"window16Scope" must be one of stack, slice, got "z"/],
];
for (const [name, input, message] of bad) {
  test(`bad config: ${name}`, () => {
    assert.throws(() => parseIngestConfig(input), message);
  });
}
