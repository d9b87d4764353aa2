import { test } from "node:test";
import assert from "node:assert/strict";
import { sequence } from "../../core/sample/random.js";
import { MinHeap } from "../../core/util/min-heap.js";

test("MinHeap pops in the caller's order, duplicates included, interleaved with pushes", () => {
  const rand = sequence(7);
  const heap = new MinHeap<number>((a, b) => a < b);
  const reference: number[] = [];
  const popped: number[] = [];
  const expected: number[] = [];
  for (let i = 0; i < 2000; i++) {
    if (rand() < 0.6 || heap.size === 0) {
      const v = Math.floor(rand() * 100);
      heap.push(v);
      reference.push(v);
    } else {
      reference.sort((a, b) => a - b);
      expected.push(reference.shift() as number);
      popped.push(heap.pop() as number);
    }
  }
  assert.deepEqual(popped, expected);
  assert.equal(heap.size, reference.length);
  reference.sort((a, b) => a - b);
  const rest: number[] = [];
  for (let v = heap.pop(); v !== undefined; v = heap.pop()) rest.push(v);
  assert.deepEqual(rest, reference);
  assert.equal(heap.pop(), undefined);
});
