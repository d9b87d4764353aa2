// The two output settings of issue 16 items 1-2, from ingest.json and from the command line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand } from "../../cli/options.js";
import { parseIngestConfig } from "../../core/config.js";

test("zarr is off and the lossless volume is png unless asked otherwise", () => {
  const c = parseIngestConfig({});
  assert.equal(c.zarr, false);
  assert.equal(c.rawEncoding, "png");
  const d = parseIngestConfig({ zarr: true, raw: true, rawEncoding: "gzip" });
  assert.deepEqual([d.zarr, d.raw, d.rawEncoding], [true, true, "gzip"]);
});

test("a wrong zarr or rawEncoding is refused with the field named", () => {
  assert.throws(() => parseIngestConfig({ zarr: "yes" }), /^PermanentError: ingest.json: "zarr" must be true or false, got "yes"$/);
  assert.throws(() => parseIngestConfig({ rawEncoding: "jpeg" }), /^PermanentError: ingest.json: "rawEncoding" must be one of png, gzip, got "jpeg"$/);
});

test("--zarr and --raw-encoding become config overrides", () => {
  const cmd = parseCommand(["run", "slices", "--out", "o", "--zarr", "--raw", "--raw-encoding", "gzip"]);
  assert.equal(cmd.command, "run");
  assert.deepEqual(cmd.command === "run" ? cmd.overrides : undefined, { raw: true, zarr: true, rawEncoding: "gzip" });
});
