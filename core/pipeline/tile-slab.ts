// A rendered slice in tmp/ (keys.slab(z)): one object per slice that holds its tiles of one cube's xy extent
// back to back, so that a render task makes one put per slice and each pyramid task reads its cube column's
// tile with one ranged get. Before, each tile was an object of its own: at 512 cubes a 6000 x 8000 slice made
// 192 puts, the largest GCS cost of a run (BENCHMARKS.md "The headline").
// Layout: tiles in order of ty, then tx, from (0, 0); tile (tx, ty) is the window [tx*cx, tx*cx + w) x
// [ty*cy, ty*cy + h) of the aligned slice, clipped to it, rows concatenated. Every tile row before ty is cy
// high and every tile before tx in a row is cx wide (only the last row and column are clipped), hence
// offset = ty*cy*width + tx*cx*h.
import type { Gray8 } from "../image/gray.js";

export interface TileSpan {
  offset: number;
  width: number;
  height: number;
}

/** How many tiles across and down a width x height slice has for tiles of cx x cy. */
export function tileGrid(width: number, height: number, cx: number, cy: number): { across: number; down: number } {
  return { across: Math.ceil(width / cx), down: Math.ceil(height / cy) };
}

export function tileSpan(width: number, height: number, cx: number, cy: number, tx: number, ty: number): TileSpan {
  const w = Math.min(cx, width - tx * cx);
  const h = Math.min(cy, height - ty * cy);
  if (!(w > 0 && h > 0)) throw new RangeError(`tile (${tx}, ${ty}) is outside a ${width}x${height} slice of ${cx}x${cy} tiles`);
  return { offset: ty * cy * width + tx * cx * h, width: w, height: h };
}

/** The slab of an aligned slice: every tile copied to its span. Its length is width * height. */
export function cutSlab(image: Gray8, cx: number, cy: number, copied: (run: () => void) => void = (run) => run()): Uint8Array {
  const { width, height } = image;
  const out = new Uint8Array(width * height);
  const { across, down } = tileGrid(width, height, cx, cy);
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const span = tileSpan(width, height, cx, cy, tx, ty);
      copied(() => {
        for (let y = 0; y < span.height; y++) {
          const start = (ty * cy + y) * width + tx * cx;
          out.set(image.data.subarray(start, start + span.width), span.offset + y * span.width);
        }
      });
    }
  }
  return out;
}
