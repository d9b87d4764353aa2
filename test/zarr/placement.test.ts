// The OME-Zarr levels are placed exactly where their voxels came from, also where the precomputed format
// cannot say it: scale s's voxel 0 is the mean of scale 0's voxels [o, o + f), so its centre is
// (o + f / 2) * scale 0's resolution, while precomputed's integer voxel_offset floor(o / f) is half a voxel
// of that scale off when f does not divide o (core/zarr/zarr-metadata.ts).
import assert from "node:assert/strict";
import test from "node:test";
import { buildInfo, planPyramid, type VolumeEncoding } from "../../core/precomputed/index.js";
import { groupMetadata } from "../../core/zarr/index.js";

interface Dataset {
  coordinateTransformations: Array<{ type: string; scale?: number[]; translation?: number[] }>;
}

function translations(offset: [number, number, number]): { zarr: number[][]; precomputed: number[][]; factors: number[][] } {
  const plan = planPyramid({ size: [512, 384, 96], resolution: [4, 4, 30], cube: [128, 128, 64] });
  const info = buildInfo(plan, { encoding: "raw" } satisfies VolumeEncoding, offset);
  const group = groupMetadata(plan, info.scales, "t") as { attributes: { ome: { multiscales: Array<{ datasets: Dataset[] }> } } };
  const zarr = group.attributes.ome.multiscales[0].datasets.map((d) => d.coordinateTransformations[1].translation ?? []);
  // zyx -> xyz; precomputed: the centre of its voxel 0 as its info says it.
  const precomputed = info.scales.map((s) => [2, 1, 0].map((d) => (s.voxel_offset[d] + 0.5) * s.resolution[d]));
  const factors = info.scales.map((s) => [0, 1, 2].map((d) => s.resolution[d] / info.scales[0].resolution[d]));
  return { zarr, precomputed, factors };
}

test("an offset every factor divides: the zarr levels sit exactly where precomputed's do", () => {
  const t = translations([64, 128, 32]);
  assert.ok(t.factors.length >= 3 && t.factors.some((f) => f[2] > 1), JSON.stringify(t.factors));
  assert.deepEqual(t.zarr, t.precomputed);
});

test("an odd offset: each zarr level's voxel 0 is centred on the scale-0 voxels it averages", () => {
  const offset: [number, number, number] = [5, 3, 11];
  const t = translations(offset);
  t.zarr.forEach((zyx, s) => {
    const [fx, fy, fz] = t.factors[s];
    assert.deepEqual(zyx, [(11 + fz / 2) * 30, (3 + fy / 2) * 4, (5 + fx / 2) * 4], `scale ${s}`);
  });
  // Scale 1 (x, y halved): precomputed's floor(5 / 2) = 2 puts its voxel 0 half a voxel of that scale off.
  assert.equal(t.factors[1][0], 2);
  assert.equal(t.zarr[1][2] - t.precomputed[1][2], 4);
});
