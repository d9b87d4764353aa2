import { test } from "node:test";
import assert from "node:assert/strict";
import { orderSlices } from "../../core/slices/listing.js";

test("automatic numbering sorts by the last number in the name and ignores JSON sidecars", () => {
  const keys = ["s2_z10.png", "s2_z9.png", "s2_z11.png", "ingest.json", "ground-truth.json", ".DS_Store"];
  assert.deepEqual(orderSlices(keys, {}, "in"), [
    { z: 9, key: "s2_z9.png" },
    { z: 10, key: "s2_z10.png" },
    { z: 11, key: "s2_z11.png" },
  ]);
});

test("a printf pattern selects matching names only", () => {
  const keys = ["img00001.png", "img00000.png", "other7.png", "img00002.tif"];
  assert.deepEqual(orderSlices(keys, { pattern: "img%05d.png" }, "in").map((s) => s.key), ["img00000.png", "img00001.png"]);
});

test("minz and maxz cut the stack, a gap outside them is fine", () => {
  const keys = ["a1.png", "a2.png", "a3.png", "a7.png"];
  assert.deepEqual(orderSlices(keys, { minz: 2, maxz: 3 }, "in").map((s) => s.z), [2, 3]);
});

test("errors name the culprit", () => {
  assert.throws(() => orderSlices([], {}, "empty"), /empty: no image files \(found 0 object\(s\)\)/);
  assert.throws(() => orderSlices(["a1.png", "a3.png"], {}, "in"), /gap in the numbering: slice 2 is missing \(between a1\.png and a3\.png\)/);
  assert.throws(() => orderSlices(["a1.png", "a5.png"], {}, "in"), /slices 2-4 are missing/);
  assert.throws(() => orderSlices(["a1.png", "notes.txt"], {}, "in"), /in\/notes\.txt: not an image file/);
  assert.throws(() => orderSlices(["a1.png", "b1.tif"], {}, "in"), /a1\.png and b1\.tif both have slice number 1/);
  assert.throws(() => orderSlices(["slice.png"], {}, "in"), /in\/slice\.png: the name holds no slice number/);
  assert.throws(() => orderSlices(["x.png"], { pattern: "img%05d.png" }, "in"), /no files matching "img%05d\.png"/);
});

test("slice numbers beyond 2^53 are refused by name, not rounded", () => {
  assert.throws(() => orderSlices(["img99999999999999999999.png"], {}, "in"), {
    message: "in/img99999999999999999999.png: slice number 99999999999999999999 is too large (at most 9007199254740991, 2^53 - 1)",
  });
  assert.throws(() => orderSlices(["img9007199254740992.png"], { pattern: "img%d.png" }, "in"), /in\/img9007199254740992\.png: slice number 9007199254740992 is too large/);
  // 2^53 - 1 and its neighbour stay exact and distinct.
  assert.deepEqual(orderSlices(["a9007199254740990.png", "a9007199254740991.png"], {}, "in").map((s) => s.z), [9007199254740990, 9007199254740991]);
  // Leading zeros are not a large number.
  assert.deepEqual(orderSlices(["a0000000000000000000000001.png"], {}, "in").map((s) => s.z), [1]);
});

test("signs: a dash after a letter separates, a plus or a free-standing minus is refused, a mixed stack is refused", () => {
  assert.deepEqual(orderSlices(["img-3.png", "img-4.png"], {}, "in").map((s) => s.z), [3, 4]);
  assert.throws(() => orderSlices(["img+3.png"], {}, "in"), {
    message: 'in/img+3.png: a sign before the slice number ("+3"); slice numbers are unsigned: rename the slices or give a pattern',
  });
  assert.throws(() => orderSlices(["-3.png"], {}, "in"), /in\/-3\.png: a sign before the slice number \("-3"\)/);
  assert.throws(() => orderSlices(["img_-3.png"], {}, "in"), /in\/img_-3\.png: a sign before the slice number \("-3"\)/);
  assert.throws(() => orderSlices(["img-1.png", "img0.png"], {}, "in"), {
    message: 'in: img-1.png has a "-" before its slice number and img0.png does not: a minus sign or a separator? Rename the slices or give a pattern',
  });
  assert.throws(() => orderSlices(["img-3.png", "img3.png"], { pattern: "img%d.png" }, "in"), {
    message: 'in/img-3.png: a signed slice number ("-3") in pattern "img%d.png"; slice numbers are unsigned: rename the slices',
  });
  assert.deepEqual(orderSlices(["img-003.png"], { pattern: "img-%03d.png" }, "in").map((s) => s.z), [3]);
  assert.deepEqual(orderSlices(["img00007.png", "img7.png"], { pattern: "img%05d.png" }, "in").map((s) => s.key), ["img00007.png"]);
});
