// A rectangle of whole pixels in the reference frame of the aligned stack (slice pixel-centre coordinates):
// the bounding box of every warped slice (align/plan-transforms.ts), the output volume's xy extent, what a
// slice is rendered into (align/warp.ts). Output voxel (u, v) shows reference point (u + x0, v + y0).
export interface PixelBox {
  x0: number;
  y0: number;
  width: number;
  height: number;
}
