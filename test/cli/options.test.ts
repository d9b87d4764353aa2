import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand } from "../../cli/options.js";

test("run options map to config fields", () => {
  const cmd = parseCommand(["run", "in", "--out", "o", "--pattern", "img%05d.png", "--minz", "2", "--maxz", "9", "--resolution", "4,4,40", "--downsample", "2", "--clahe", "1.5", "--skip-align", "--raw", "--jpeg-quality", "80", "--window16", "1,99", "--window16-scope", "slice", "--workers", "3"]);
  assert.deepEqual(cmd, {
    command: "run",
    slices: "in",
    out: "o",
    configFile: undefined,
    overrides: { pattern: "img%05d.png", minz: 2, maxz: 9, resolution: [4, 4, 40], downsample: 2, claheClip: 1.5, skipAlign: true, raw: true, jpegQuality: 80, window16: [1, 99], window16Scope: "slice" },
    workers: 3,
    taskTimeoutS: 1800,
    keepTmp: false,
    json: false,
  });
});

test("--n-adjacent goes into the align object, with the policy flags", () => {
  const cmd = parseCommand(["run", "in", "--out", "o", "--n-adjacent", "3", "--max-consecutive-bad", "4"]);
  assert.equal(cmd.command, "run");
  assert.deepEqual(cmd.command === "run" ? cmd.overrides.align : undefined, { maxConsecutiveBad: 4, nAdjacent: 3 });
});

test("usage errors say what is wrong", () => {
  assert.throws(() => parseCommand(["run", "in"]), /run needs --out/);
  assert.throws(() => parseCommand(["run", "in", "--out", "o", "--minz", "x"]), /--minz must be a number/);
  assert.throws(() => parseCommand(["run", "in", "--out", "o", "--resolution", "4,4"]), /--resolution takes 3/);
  assert.throws(() => parseCommand(["run", "in", "--out", "o", "--bogus"]), /Unknown option '--bogus'/);
  assert.throws(() => parseCommand(["frobnicate"]), /unknown command "frobnicate"/);
});

test("sample and serve defaults", () => {
  assert.deepEqual(parseCommand(["sample", "d"]), { command: "sample", dir: "d", count: 16, width: 1024, height: 1024, seed: 1 });
  assert.deepEqual(parseCommand(["sample", "d", "--size", "300x200", "--count", "4"]), { command: "sample", dir: "d", count: 4, width: 300, height: 200, seed: 1 });
  assert.deepEqual(parseCommand(["serve", "o"]), { command: "serve", dir: "o", port: 8080, host: "127.0.0.1" });
});

test("the cloud commands are reachable from the command line", () => {
  assert.equal(parseCommand(["status", "run-abc"]).command, "status");
  assert.equal(parseCommand(["submit", "slices", "gs://b/p"]).command, "submit");
  assert.deepEqual(parseCommand(["fiji-batch", "jobs.json", "--dry-run"]), {
    command: "fiji-batch",
    file: "jobs.json",
    topic: "emingest-fiji",
    collection: "runs",
    buckets: undefined,
    executables: undefined,
    retryFailed: false,
    dryRun: true,
    json: false,
  });
});

test("--detector goes into the config's align object, beside the policy flags; the config parser judges its value", () => {
  const cmd = parseCommand(["run", "in", "--out", "o", "--detector", "sift", "--max-consecutive-bad", "3"]);
  assert.equal(cmd.command, "run");
  assert.deepEqual(cmd.command === "run" && cmd.overrides, { align: { maxConsecutiveBad: 3, detector: "sift" } });
  const bad = parseCommand(["run", "in", "--out", "o", "--detector", "surf"]);
  assert.deepEqual(bad.command === "run" && bad.overrides, { align: { detector: "surf" } });
});
