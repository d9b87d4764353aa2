// Orthogonal reslices for report/index.html (issue 16 item 6): xz through the middle y and yz through the
// middle x, before alignment (each slice unwarped: its own pixels at the same place in the box, nearest
// sample) and after (read back from the written volume, lossless one when there is one). Both at one scale
// `s` of the pyramid: the first whose x and y fit in MAX_SIDE pixels, one row per z of that scale; "before"
// takes the first slice of each z group of that scale. Memory: the planes and one chunk at a time; reading:
// the chunks the two planes cross, and at most MAX_BEFORE_SLICES slices decoded for "before" (evenly spaced
// in z; each row shows the nearest of them), so finalize's cost does not grow with the stack's depth.
import sharp from "sharp";
import { PermanentError } from "../errors.js";
import type { StepDeps } from "../pipeline/deps.js";
import { keys } from "../pipeline/keys.js";
import { loadSlice } from "../pipeline/load-slice.js";
import type { RunManifest } from "../pipeline/manifest.js";
import type { RunPlan } from "../pipeline/run-plan.js";
import { chunkBox, compressedMortonCode, decodeChunk, readShardedChunk, type ScaleInfo, type Vec3, type VolumeInfo } from "../precomputed/index.js";

export const MAX_SIDE = 1024;
export const MAX_BEFORE_SLICES = 256;

/** The z (of the reslice scale) whose slice row k of a "before" plane of depth d shows. */
export function beforeRow(k: number, d: number): number {
  if (d <= MAX_BEFORE_SLICES) return k;
  const step = (d - 1) / (MAX_BEFORE_SLICES - 1);
  return Math.round(Math.round(k / step) * step);
}

export interface Reslice {
  /** report/<file>: PNG, gray, width along x (xz) or y (yz), one row per z of the scale (first slice on top). */
  file: string;
  plane: "xz" | "yz";
  when: "before" | "after";
  width: number;
  height: number;
}

export interface Reslices {
  scale: number;
  /** Voxel size of the scale in nm, so the page can draw z at its true aspect. */
  resolution: [number, number, number];
  images: Reslice[];
}

export async function writeReslices(deps: StepDeps, manifest: RunManifest, plan: RunPlan, volumes: readonly string[]): Promise<Reslices> {
  const pyramid = plan.pyramid;
  const s = Math.max(0, pyramid.scales.findIndex((sc) => sc.size[0] <= MAX_SIDE && sc.size[1] <= MAX_SIDE));
  const scale = pyramid.scales[s];
  const [w, h, d] = scale.size;
  const [fx, fy, fz] = scale.downsample;
  const mid: Vec3 = [Math.floor(w / 2), Math.floor(h / 2), 0];
  const volume = volumes.includes(keys.volume("raw")) ? keys.volume("raw") : keys.volume("jpeg");
  const after = await readPlanes(deps, `${volume}`, scale.index, pyramid.chunk, mid);
  const xzBefore = new Uint8Array(w * d);
  const yzBefore = new Uint8Array(h * d);
  // Box voxel (u, v) at scale 0 shows reference point (u + x0, v + y0); unwarped, that is slice pixel (u + x0, v + y0).
  const y = mid[1] * fy + plan.box.y0;
  const x = mid[0] * fx + plan.box.x0;
  let loaded: { k: number; slice: Awaited<ReturnType<typeof loadSlice>>["image"] } | undefined;
  for (let k = 0; k < d; k++) {
    const from = beforeRow(k, d);
    const z = plan.firstZ + from * fz;
    if (loaded?.k !== from) loaded = { k: from, slice: (await loadSlice(deps, manifest, z, plan.sliceVersions?.[z - plan.firstZ])).image };
    const slice = loaded.slice;
    if (y >= 0 && y < slice.height) {
      for (let u = 0; u < w; u++) {
        const sx = u * fx + plan.box.x0;
        if (sx >= 0 && sx < slice.width) xzBefore[k * w + u] = slice.data[y * slice.width + sx];
      }
    }
    if (x >= 0 && x < slice.width) {
      for (let v = 0; v < h; v++) {
        const sy = v * fy + plan.box.y0;
        if (sy >= 0 && sy < slice.height) yzBefore[k * h + v] = slice.data[sy * slice.width + x];
      }
    }
  }
  const images: Reslice[] = [];
  const put = async (plane: "xz" | "yz", when: "before" | "after", data: Uint8Array, width: number): Promise<void> => {
    const file = `reslice-${plane}-${when}.png`;
    // b-w: a one-channel PNG (sharp writes sRGB otherwise).
    const png = await sharp(data, { raw: { width, height: d, channels: 1 } }).toColourspace("b-w").png({ compressionLevel: 9 }).toBuffer();
    await deps.out.put(keys.report(file), new Uint8Array(png.buffer, png.byteOffset, png.byteLength), { contentType: "image/png" });
    images.push({ file, plane, when, width, height: d });
  };
  await put("xz", "before", xzBefore, w);
  await put("xz", "after", after.xz, w);
  await put("yz", "before", yzBefore, h);
  await put("yz", "after", after.yz, h);
  return { scale: s, resolution: [...scale.resolution], images };
}

/** The xz plane at y = mid[1] and the yz plane at x = mid[0] of one scale of a written volume, z rows. */
async function readPlanes(deps: StepDeps, volume: string, index: number, chunk: Vec3, mid: Vec3): Promise<{ xz: Uint8Array; yz: Uint8Array }> {
  const infoBytes = await deps.out.get(`${volume}info`);
  if (!infoBytes) throw new PermanentError(`${volume}info is missing: the plan step wrote it and something removed it`);
  const info = JSON.parse(new TextDecoder().decode(infoBytes)) as VolumeInfo;
  const scale: ScaleInfo = info.scales[index];
  if (!scale.sharding) throw new PermanentError(`${volume}info: scale ${scale.key} is not sharded; the report reads sharded volumes only`);
  const size = scale.size;
  const grid: Vec3 = [Math.ceil(size[0] / chunk[0]), Math.ceil(size[1] / chunk[1]), Math.ceil(size[2] / chunk[2])];
  const [w, h, d] = size;
  const xz = new Uint8Array(w * d);
  const yz = new Uint8Array(h * d);
  const read = (key: string, offset: number, length: number) => deps.out.getRange(`${volume}${key}`, offset, length);
  const cells: Array<{ g: Vec3; plane: "xz" | "yz" }> = [];
  for (let gz = 0; gz < grid[2]; gz++) {
    for (let gx = 0; gx < grid[0]; gx++) cells.push({ g: [gx, Math.floor(mid[1] / chunk[1]), gz], plane: "xz" });
    for (let gy = 0; gy < grid[1]; gy++) cells.push({ g: [Math.floor(mid[0] / chunk[0]), gy, gz], plane: "yz" });
  }
  for (const { g, plane } of cells) {
    const box = chunkBox(g, chunk, size);
    const cs: Vec3 = [box.end[0] - box.begin[0], box.end[1] - box.begin[1], box.end[2] - box.begin[2]];
    const bytes = await readShardedChunk(read, scale.key, scale.sharding, compressedMortonCode(g, grid));
    // A chunk the writer left out is all fill value (0): the format's rule for missing chunks.
    if (!bytes) continue;
    const voxels = await decodeChunk(scale.encoding, bytes, cs);
    for (let z = 0; z < cs[2]; z++) {
      if (plane === "xz") {
        const row = (mid[1] - box.begin[1]) * cs[0] + z * cs[0] * cs[1];
        xz.set(voxels.subarray(row, row + cs[0]), (box.begin[2] + z) * w + box.begin[0]);
      } else {
        for (let y = 0; y < cs[1]; y++) yz[(box.begin[2] + z) * h + box.begin[1] + y] = voxels[z * cs[0] * cs[1] + y * cs[0] + (mid[0] - box.begin[0])];
      }
    }
  }
  return { xz, yz };
}
