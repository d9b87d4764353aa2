// The report's "before" reslices decode a bounded number of slices however deep the stack is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { beforeRow, MAX_BEFORE_SLICES } from "../../core/report/reslices.js";

test("beforeRow: every row of a shallow plane is its own slice; a deep one reads at most MAX_BEFORE_SLICES, evenly spaced, first and last included, each row its nearest", () => {
  assert.deepEqual([0, 1, 2, 3].map((k) => beforeRow(k, 4)), [0, 1, 2, 3]);
  for (const d of [MAX_BEFORE_SLICES, MAX_BEFORE_SLICES + 1, 1000, 10_000, 50_001]) {
    const rows = Array.from({ length: d }, (_, k) => beforeRow(k, d));
    const used = [...new Set(rows)];
    assert.ok(used.length <= MAX_BEFORE_SLICES, `${d}: ${used.length} slices`);
    assert.equal(rows[0], 0);
    assert.equal(rows[d - 1], d - 1);
    const step = (d - 1) / (MAX_BEFORE_SLICES - 1);
    rows.forEach((r, k) => {
      assert.ok(r >= 0 && r < d && Math.abs(r - k) <= step / 2 + 1, `${d}: row ${k} shows ${r}`);
      if (k > 0) assert.ok(r >= rows[k - 1], "non-decreasing");
    });
  }
});
