// RFC 4180 CSV (core/report/csv.ts), read back by Python's csv module: the outside reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { csvField, csvText } from "../../core/report/csv.js";
import { runPythonJson } from "../support/python.js";

test("fields are quoted only when they hold a comma, a quote, CR or LF; quotes are doubled", () => {
  assert.equal(csvField("img00001.png"), "img00001.png");
  assert.equal(csvField(12.5), "12.5");
  assert.equal(csvField(""), "");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField("cr\rhere"), '"cr\rhere"');
  assert.equal(csvText(["a", "b"], [[1, "x,y"]]), 'a,b\r\n1,"x,y"\r\n');
});

test("a record with the wrong number of fields is refused", () => {
  assert.throws(() => csvText(["a", "b"], [[1]]), /record 1 has 1 fields, the header 2/);
});

test("Python's csv module reads back every awkward field exactly", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "emcsv-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const awkward = ["plain", "a,b", '"', '""', 'x"y', "line\nbreak", "cr\rlf\r\n", " spaced ", "", ",,,", "ünï,cödé", "trailing,"];
  const rows = awkward.map((value, i) => [i, value, `${value}${value}`]);
  const file = path.join(dir, "t.csv");
  writeFileSync(file, csvText(["i", "value", "twice"], rows));
  const read = await runPythonJson<{ rows: string[][] }>("csv_read.py", [file]);
  assert.deepEqual(read.rows, [["i", "value", "twice"], ...rows.map((r) => r.map(String))]);
});
