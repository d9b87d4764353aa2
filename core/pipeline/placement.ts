// Placement of a run's volume in the stack's coordinates (issue 16 item 4): scale 0's voxel_offset.
// z: the first slice's number, so slice z is at voxel z whatever --minz / --maxz cut out, and two partial
// ingests of one stack share their z coordinates. x, y (config.xyOrigin): "box" puts the aligned box's origin
// (PixelBox x0, y0: output voxel (u, v) shows reference point (u + x0, v + y0)) at voxel (x0, y0), so a voxel's
// x, y are the pixel coordinates in the reference (first) slice's frame; "zero" puts the box's corner at 0.
// Two partial ingests share x, y exactly when they share the reference frame (unaligned stacks, or the same
// first slice); an aligned run's frame is its own first slice's.
import type { IngestConfig } from "../config.js";
import type { PixelBox } from "../geometry/pixel-box.js";
import type { VoxelOffset } from "../precomputed/index.js";

export function voxelOffset(config: Pick<IngestConfig, "xyOrigin">, box: PixelBox, firstZ: number): VoxelOffset {
  return config.xyOrigin === "box" ? [box.x0, box.y0, firstZ] : [0, 0, firstZ];
}
