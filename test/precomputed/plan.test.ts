// planPyramid: scale geometry, the 2x2x1 rule, chunk/cube clamping, ownership and handoff.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildInfo, planPyramid } from "../../core/precomputed/index.js";
import { MAX_EXTENT, MAX_RESOLUTION_NM, MIN_RESOLUTION_NM, resolutionProblem, volumeSizeProblem } from "../../core/precomputed/volume-limits.js";

test("isotropic 300x200x70: 2x2x2 steps until one chunk", () => {
  const plan = planPyramid({ size: [300, 200, 70], resolution: [8, 8, 8], chunk: [32, 32, 32], cube: [128, 128, 64] });
  assert.deepEqual(
    plan.scales.map((s) => [s.key, s.size, s.factor, s.grid, s.owner]),
    [
      ["8_8_8", [300, 200, 70], [1, 1, 1], [10, 7, 3], "cube"],
      ["16_16_16", [150, 100, 35], [2, 2, 2], [5, 4, 2], "cube"],
      ["32_32_32", [75, 50, 18], [2, 2, 2], [3, 2, 1], "reduce"],
      ["64_64_64", [38, 25, 9], [2, 2, 2], [2, 1, 1], "reduce"],
      ["128_128_128", [19, 13, 5], [2, 2, 2], [1, 1, 1], "reduce"],
    ],
  );
  assert.deepEqual(plan.cubeGrid, [3, 2, 2]);
  // Cube 128x128x64 is 4x4x2 chunks at scale 0, 2x2x1 at scale 1, 1x1x0.5 at scale 2 (not owned).
  assert.equal(plan.topCubeScale, 1);
  assert.equal(plan.handoffScale, 2);
});

test("anisotropic 1000x37x5 at 4x4x40 nm: z is kept while res_z > 2 * res_xy", () => {
  const plan = planPyramid({ size: [1000, 37, 5], resolution: [4, 4, 40], cube: [256, 64, 64] });
  // chunk z clamps to 8 (5 slices rounded up to a power of two); cube z clamps to one chunk.
  assert.deepEqual(plan.chunk, [64, 64, 8]);
  assert.deepEqual(plan.cube, [256, 64, 8]);
  assert.deepEqual(
    plan.scales.map((s) => [s.resolution, s.size, s.factor]),
    [
      [[4, 4, 40], [1000, 37, 5], [1, 1, 1]],
      [[8, 8, 40], [500, 19, 5], [2, 2, 1]], // 40 > 2*4
      [[16, 16, 40], [250, 10, 5], [2, 2, 1]], // 40 > 2*8
      [[32, 32, 40], [125, 5, 5], [2, 2, 1]], // 40 > 2*16
      [[64, 64, 80], [63, 3, 3], [2, 2, 2]], // 40 <= 2*32
    ],
  );
  assert.deepEqual(plan.cubeGrid, [4, 1, 1]);
  // Cube x extent 256 / 4 = 64 = one chunk at scale 2; scale 3 would be half a chunk.
  assert.equal(plan.topCubeScale, 2);
  assert.equal(plan.handoffScale, 3);
});

test("a volume that fits one cube is written entirely by it (no reduce)", () => {
  const plan = planPyramid({ size: [64, 64, 64], resolution: [8, 8, 8] });
  assert.equal(plan.scales.length, 1);
  assert.equal(plan.topCubeScale, 0);
  assert.equal(plan.handoffScale, undefined);
  const big = planPyramid({ size: [300, 200, 70], resolution: [8, 8, 8] });
  assert.deepEqual(big.cubeGrid, [1, 1, 1]);
  assert.equal(big.topCubeScale, big.scales.length - 1);
});

test("planPyramid rejects bad options with the field name", () => {
  assert.throws(() => planPyramid({ size: [0, 1, 1], resolution: [1, 1, 1] }), /"size"/);
  assert.throws(() => planPyramid({ size: [10, 10, 10], resolution: [1, -1, 1] }), /"resolution"/);
  assert.throws(() => planPyramid({ size: [100, 100, 100], resolution: [1, 1, 1], chunk: [32, 32, 32], cube: [96, 64, 64] }), /"cube"/);
});

test("info: one chunk size, jpeg_quality, sharding per scale; raw may gzip its data", () => {
  const plan = planPyramid({ size: [300, 200, 70], resolution: [8, 8, 8], chunk: [32, 32, 32], cube: [128, 128, 64] });
  const jpeg = buildInfo(plan, { encoding: "jpeg", jpegQuality: 90 });
  assert.equal(jpeg["@type"], "neuroglancer_multiscale_volume");
  assert.deepEqual(jpeg.scales[0], {
    key: "8_8_8",
    size: [300, 200, 70],
    resolution: [8, 8, 8],
    voxel_offset: [0, 0, 0],
    chunk_sizes: [[32, 32, 32]],
    encoding: "jpeg",
    jpeg_quality: 90,
    // grid 10x7x3 -> bits 4,3,2; cube = 4x4x2 chunks: internal prefix x0 y0 z0 x1 y1 = 5 bits.
    sharding: {
      "@type": "neuroglancer_uint64_sharded_v1",
      preshift_bits: 3,
      hash: "identity",
      minishard_bits: 2,
      shard_bits: 4,
      minishard_index_encoding: "gzip",
      data_encoding: "raw",
    },
  });
  const raw = buildInfo(plan, { encoding: "raw", dataEncoding: "gzip" });
  assert.equal(raw.scales[0].jpeg_quality, undefined);
  assert.equal(raw.scales[2].sharding?.data_encoding, "gzip");
  const flat = buildInfo(planPyramid({ size: [300, 200, 70], resolution: [8, 8, 8], sharded: false }), { encoding: "raw" });
  assert.ok(flat.scales.every((s) => s.sharding === undefined));
});

test("at the bounds of volume-limits.ts every scale is finite, its key plain decimal and distinct", () => {
  const extremes: Array<Parameters<typeof planPyramid>[0]> = [
    // z waits 29 scales for x to catch up, then halves 25 times: the most scales the bounds allow with 64^3 chunks.
    { size: [1, 1, MAX_EXTENT], resolution: [MIN_RESOLUTION_NM, MIN_RESOLUTION_NM, MAX_RESOLUTION_NM] },
    { size: [MAX_EXTENT, 1, 1], resolution: [MIN_RESOLUTION_NM, MIN_RESOLUTION_NM, MAX_RESOLUTION_NM] },
    { size: [MAX_EXTENT, 2 ** 11, 2 ** 11], resolution: [MAX_RESOLUTION_NM, MAX_RESOLUTION_NM, MAX_RESOLUTION_NM] },
    // chunk 1: x and y halve 31 times.
    { size: [MAX_EXTENT, 4, 1], resolution: [MAX_RESOLUTION_NM, MIN_RESOLUTION_NM, MAX_RESOLUTION_NM], chunk: [1, 1, 1], cube: [1, 1, 1] },
  ];
  for (const opts of extremes) {
    const plan = planPyramid(opts);
    const keys = plan.scales.map((s) => s.key);
    assert.equal(new Set(keys).size, keys.length, keys.join(" "));
    for (const s of plan.scales) {
      assert.match(s.key, /^[0-9.]+_[0-9.]+_[0-9.]+$/);
      assert.ok(s.resolution.every((r) => Number.isFinite(r) && r > 0 && r < 1e21));
      assert.ok(s.size.every((n) => Number.isInteger(n) && n >= 1));
    }
    assert.ok(plan.scales.length <= 61, `${plan.scales.length} scales`);
  }
  assert.equal(planPyramid(extremes[0]).scales.length, 55);
});

test("sizes and resolutions outside volume-limits.ts are refused", () => {
  assert.throws(() => planPyramid({ size: [MAX_EXTENT + 1, 1, 1], resolution: [8, 8, 8] }), /"size" .* is over 2147483647 voxels/);
  assert.throws(() => planPyramid({ size: [2 ** 27, 2 ** 27, 2 ** 27], resolution: [8, 8, 8] }), /voxels is over 2\^53/);
  assert.throws(() => planPyramid({ size: [10, 10, 10], resolution: [1e308, 8, 8] }), /"resolution" 1e\+308,8,8: each resolution must be a number from 0.001 to 1000000 nm/);
  assert.equal(volumeSizeProblem([MAX_EXTENT, 1, 1]), undefined);
  assert.equal(resolutionProblem([MIN_RESOLUTION_NM, 1, MAX_RESOLUTION_NM]), undefined);
});
