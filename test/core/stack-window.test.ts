// Which slices the stack-wide 16-bit window is estimated from, and the window of a histogram.
import { test } from "node:test";
import assert from "node:assert/strict";
import { boundsFromHistogram, windowBounds } from "../../core/align/index.js";
import { stackWindowSample, STACK_WINDOW_SLICES } from "../../core/pipeline/stack-window.js";

test("stackWindowSample: every slice up to 64; beyond, 64 evenly spaced with the first and the last", () => {
  assert.deepEqual(stackWindowSample(1), [0]);
  assert.deepEqual(stackWindowSample(5), [0, 1, 2, 3, 4]);
  assert.deepEqual(stackWindowSample(64), Array.from({ length: 64 }, (_, i) => i));
  const big = stackWindowSample(10_000);
  assert.equal(big.length, STACK_WINDOW_SLICES);
  assert.deepEqual([big[0], big[1], big[62], big[63]], [0, 158, 9840, 9999]);
  for (let i = 1; i < big.length; i++) assert.ok(big[i] > big[i - 1]);
  const odd = stackWindowSample(100);
  assert.equal(odd.length, 64);
  assert.deepEqual([odd[0], odd[1], odd[2], odd[63]], [0, 1, 3, 99]);
});

test("boundsFromHistogram: the nearest-rank window of the pooled pixels equals windowBounds of one image holding them", () => {
  const a = Uint16Array.from({ length: 1000 }, (_, i) => 1000 + ((i * 7919) % 500));
  const b = Uint16Array.from({ length: 600 }, (_, i) => 1300 + ((i * 104729) % 900));
  const hist = new Float64Array(65536);
  for (const v of a) hist[v]++;
  for (const v of b) hist[v]++;
  const pooled = { width: 1600, height: 1, data: Uint16Array.from([...a, ...b]) };
  assert.deepEqual(boundsFromHistogram(hist, 1600, 0.5, 99.5), windowBounds(pooled, 0.5, 99.5));
  assert.deepEqual(boundsFromHistogram(hist, 1600, 0, 100), [1000, 2199]);
  assert.deepEqual(boundsFromHistogram(new Float64Array(65536), 0), [0, 0]);
});
