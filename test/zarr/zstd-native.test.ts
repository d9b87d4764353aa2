// The zstd of the zarr chunks (core/zarr/zstd.ts: the system libzstd in the native addon) against libzstd
// compiled to WebAssembly (@bokuweb/zstd-wasm 0.0.27, what wrote every zarr chunk before): the same frame,
// byte for byte, for the chunks a pyramid makes (noise, smooth texture, flat, sparse, an edge chunk half
// zeros, clipped sizes) at our level and others; each decodes the other's frames; a damaged frame is
// refused with its cause. Both are zstd 1.5.7. Debian bookworm's libzstd 1.5.4 passed these inputs at
// level 1 but made other frames for most of them at levels 2-10, and at level 1 for 18 of the 57 shards of
// a real run (edge chunks with runs of zeros): test/zarr/interop.test.ts compares whole shards with
// tensorstore's, which is the check that caught it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compress as wasmCompress, decompress as wasmDecompress, init as wasmInit } from "@bokuweb/zstd-wasm";
import { ZSTD_LEVEL, zstdCompress, zstdDecompress } from "../../core/zarr/index.js";
import { zstdCompressChunk } from "../../core/zarr/zstd.js";
import { extractBox, voxelBlock } from "../../core/precomputed/index.js";

/** A deterministic xorshift byte stream. */
function noise(n: number, seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** 64^3-like EM texture: smooth gradients plus a little noise, as the pyramid's inner chunks hold. */
function texture(edge: number, seed: number): Uint8Array {
  const jitter = noise(edge ** 3, seed);
  const out = new Uint8Array(edge ** 3);
  for (let z = 0, i = 0; z < edge; z++) for (let y = 0; y < edge; y++) for (let x = 0; x < edge; x++, i++) {
    out[i] = (128 + 60 * Math.sin(x / 7 + seed) * Math.cos(y / 11) + 30 * Math.sin(z / 5) + (jitter[i] & 15)) & 0xff;
  }
  return out;
}

const inputs: Array<[string, Uint8Array]> = [
  ["noise 64^3", noise(64 ** 3, 1)],
  ["texture 64^3", texture(64, 2)],
  ["texture 64^3, other seed", texture(64, 3)],
  ["flat 64^3", new Uint8Array(64 ** 3).fill(77)],
  ["sparse 64^3", noise(64 ** 3, 4).map((v) => (v < 8 ? v : 0))],
  ["edge 64^3: x >= 25 outside the array", texture(64, 7).map((v, i) => (i % 64 >= 25 ? 0 : v))],
  ["texture 17^3", texture(17, 5)],
  ["one byte", new Uint8Array([9])],
  ["empty", new Uint8Array(0)],
];

test("the native frames are the WebAssembly build's, byte for byte, at our level and others", async () => {
  await wasmInit();
  for (const level of [ZSTD_LEVEL, -3, 0, 3, 9, 19]) {
    for (const [name, bytes] of inputs) {
      const native = zstdCompress(bytes, level);
      const wasm = wasmCompress(bytes, level);
      assert.deepEqual(Buffer.from(native), Buffer.from(wasm), `${name}, level ${level}`);
    }
  }
  // The default level is the zarr.json's.
  assert.deepEqual(Buffer.from(zstdCompress(inputs[1][1])), Buffer.from(wasmCompress(inputs[1][1], ZSTD_LEVEL)));
});

test("each decodes the other's frames back to the input", async () => {
  await wasmInit();
  for (const [name, bytes] of inputs) {
    assert.deepEqual(Buffer.from(zstdDecompress(wasmCompress(bytes, ZSTD_LEVEL))), Buffer.from(bytes), name);
    assert.deepEqual(Buffer.from(wasmDecompress(zstdCompress(bytes))), Buffer.from(bytes), name);
  }
});

test("zstdCompressChunk: the frame of the chunk copied out and zero-filled in JavaScript; null when all zero", () => {
  // A block of 100 x 70 x 40 voxels at (64, 0, 128): a whole 32^3 chunk, a clipped one, an all-zero one.
  const size: [number, number, number] = [100, 70, 40];
  const data = texture(100, 8).subarray(0, 100 * 70 * 40);
  const block = voxelBlock(data, [64, 0, 128], size);
  const chunk: [number, number, number] = [32, 32, 32];
  /** The chunk as the JavaScript writer built it: the box copied out (x fastest), the rest 0. */
  const copied = (begin: [number, number, number], end: [number, number, number]): Uint8Array => {
    const box = extractBox(block, { begin, end });
    const out = new Uint8Array(32 ** 3);
    const [bx, by, bz] = [0, 1, 2].map((d) => end[d] - begin[d]);
    for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) out.set(box.subarray(bx * (y + by * z), bx * (y + 1 + by * z)), 32 * (y + 32 * z));
    return out;
  };
  for (const [begin, end] of [[[96, 32, 128], [128, 64, 160]], [[160, 64, 160], [164, 70, 168]], [[64, 0, 128], [96, 32, 160]]] as Array<[[number, number, number], [number, number, number]]>) {
    const got = zstdCompressChunk(block, begin, end, chunk);
    assert.ok(got !== null);
    assert.deepEqual(Buffer.from(got), Buffer.from(zstdCompress(copied(begin, end))), `box ${begin}..${end}`);
  }
  const zeros = voxelBlock(new Uint8Array(64 ** 3), [0, 0, 0], [64, 64, 64]);
  assert.equal(zstdCompressChunk(zeros, [0, 0, 0], [32, 32, 32], chunk), null);
  assert.throws(() => zstdCompressChunk(block, [150, 0, 128], [190, 32, 160], chunk), /zstdCompressChunk: the box must lie inside the block/);
  assert.throws(() => zstdCompressChunk(block, [64, 0, 128], [100, 32, 160], chunk), /zstdCompressChunk: the box must fit in the chunk/);
});

test("a damaged or foreign frame and a bad level are refused with their cause", () => {
  const frame = zstdCompress(texture(32, 6));
  assert.throws(() => zstdDecompress(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), /zstdDecompress: not a zstd frame/);
  assert.throws(() => zstdDecompress(frame.subarray(0, frame.length - 10)), /zstdDecompress: ZSTD_decompress: /);
  assert.throws(() => zstdCompress(new Uint8Array(8), 1000), /zstdCompress: level must be a zstd level/);
});
