// Unsharded chunk storage (volume.md, "Unsharded chunk storage" and "Chunked representation"):
// grid cell g covers [voxel_offset + g*chunk, voxel_offset + min((g+1)*chunk, size)); its file is
// "<xBegin>-<xEnd>_<yBegin>-<yEnd>_<zBegin>-<zEnd>" inside the scale's key directory.
import type { Vec3 } from "./morton.js";

export interface VoxelBox {
  /** Inclusive start, voxels. */
  begin: [number, number, number];
  /** Exclusive end, voxels. */
  end: [number, number, number];
}

/** The voxel box of grid cell `g`, clipped to the volume (voxel_offset is always 0 in emingest). */
export function chunkBox(g: Vec3, chunk: Vec3, size: Vec3): VoxelBox {
  const begin: [number, number, number] = [0, 0, 0];
  const end: [number, number, number] = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    begin[d] = g[d] * chunk[d];
    end[d] = Math.min((g[d] + 1) * chunk[d], size[d]);
    if (begin[d] >= end[d]) throw new RangeError(`chunk ${g.join(",")} lies outside a volume of ${size.join("x")}`);
  }
  return { begin, end };
}

export function boxSize(box: VoxelBox): [number, number, number] {
  return [box.end[0] - box.begin[0], box.end[1] - box.begin[1], box.end[2] - box.begin[2]];
}

/** "x0-x1_y0-y1_z0-z1" for a box. */
export function unshardedChunkName(box: VoxelBox): string {
  return [0, 1, 2].map((d) => `${box.begin[d]}-${box.end[d]}`).join("_");
}

/** ceil(size / chunk) per dimension. */
export function gridSize(size: Vec3, chunk: Vec3): [number, number, number] {
  return [Math.ceil(size[0] / chunk[0]), Math.ceil(size[1] / chunk[1]), Math.ceil(size[2] / chunk[2])];
}
