// The rendered slice's layout (core/pipeline/tile-slab.ts): tiles back to back, read back by range.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cutSlab, tileGrid, tileSpan } from "../../core/pipeline/tile-slab.js";

test("a 5 x 3 slice in 2 x 2 tiles: the slab, byte for byte", () => {
  // Pixel value = 10 * y + x.
  const data = Uint8Array.from({ length: 15 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5));
  const slab = cutSlab({ width: 5, height: 3, data }, 2, 2);
  assert.deepEqual(tileGrid(5, 3, 2, 2), { across: 3, down: 2 });
  // Row of tiles 0 (2 high): (0,0) 2x2, (1,0) 2x2, (2,0) 1x2; row 1 (1 high): (0,1) 2x1, (1,1) 2x1, (2,1) 1x1.
  assert.deepEqual([...slab], [0, 1, 10, 11, 2, 3, 12, 13, 4, 14, 20, 21, 22, 23, 24]);
  const spans = [0, 1].flatMap((ty) => [0, 1, 2].map((tx) => tileSpan(5, 3, 2, 2, tx, ty)));
  assert.deepEqual(
    spans.map((s) => [s.offset, s.width, s.height]),
    [
      [0, 2, 2],
      [4, 2, 2],
      [8, 1, 2],
      [10, 2, 1],
      [12, 2, 1],
      [14, 1, 1],
    ],
  );
  assert.throws(() => tileSpan(5, 3, 2, 2, 3, 0), /tile \(3, 0\) is outside a 5x3 slice/);
});

test("every tile read back by its span is the window of the slice", () => {
  const [width, height, cx, cy] = [37, 29, 8, 16];
  const data = Uint8Array.from({ length: width * height }, (_, i) => (i * 7919) % 251);
  const slab = cutSlab({ width, height, data }, cx, cy);
  assert.equal(slab.length, width * height);
  const { across, down } = tileGrid(width, height, cx, cy);
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const s = tileSpan(width, height, cx, cy, tx, ty);
      for (let y = 0; y < s.height; y++) {
        for (let x = 0; x < s.width; x++) {
          assert.equal(slab[s.offset + y * s.width + x], data[(ty * cy + y) * width + tx * cx + x]);
        }
      }
    }
  }
});
