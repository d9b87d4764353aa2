// The png chunk encoding against an independent PNG decoder (sharp: libvips' libspng/libpng): exact 8-bit
// gray pixels for whole and clipped chunk shapes, noise and flat content; and the layout is precomputed's
// (width X, height Y*Z, rows in [x, y, z] order). tensorstore reading whole png volumes is in interop.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { decodePngChunk, encodePngChunk, type Vec3 } from "../../core/precomputed/index.js";

function voxels(size: Vec3, seed: number): Uint8Array {
  const out = new Uint8Array(size[0] * size[1] * size[2]);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = seed === 0 ? 0 : (i * 7 + (s >>> 24)) & 0xff;
  }
  return out;
}

for (const size of [[64, 64, 64], [1, 1, 1], [37, 5, 3], [64, 13, 1], [3, 64, 64]] as Vec3[]) {
  for (const seed of [0, 1, 99]) {
    test(`png chunk ${size.join("x")} (seed ${seed}): sharp decodes exactly the voxels, as a ${size[0]}x${size[1] * size[2]} gray image`, async () => {
      const v = voxels(size, seed);
      const png = encodePngChunk(v, size);
      const meta = await sharp(png).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels, meta.depth], ["png", size[0], size[1] * size[2], 1, "uchar"]);
      // Plain .raw() would expand gray to sRGB (FINDINGS.md): ask for the one gray band.
      const data = await sharp(png).toColourspace("b-w").raw().toBuffer();
      assert.ok(Buffer.from(data).equals(Buffer.from(v)), "sharp's pixels equal the voxels");
      assert.ok(Buffer.from(decodePngChunk(png, size)).equals(Buffer.from(v)), "our decoder agrees");
      assert.ok(Buffer.from(encodePngChunk(v, size)).equals(Buffer.from(png)), "the encoding is deterministic");
    });
  }
}

test("png chunk: a wrong voxel count is refused", () => {
  assert.throws(() => encodePngChunk(new Uint8Array(10), [4, 4, 1]), /png chunk: 4x4x1 needs 16 voxels, got 10/);
});
