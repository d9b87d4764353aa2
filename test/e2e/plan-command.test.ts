// `emingest plan` through the real CLI (issue 17 item 4): --calibrate stores a calibration measured by a
// local run; the plan of another stack predicts the CPU-seconds its real `emingest run` then spends (user +
// system, measured by the kernel through /usr/bin/time) within the 25%; a prices file changes the
// dollars and nothing else; and every failure a user can cause is one line that names the file or field.
// (Its operation counts are held to counted emulated runs in test/cloud/scale.test.ts.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseCalibration } from "../../core/cost/calibration.js";
import type { CostPlan } from "../../core/cost/cost-plan.js";
import { cliPath, runCli } from "../support/cli.js";

const exec = promisify(execFile);
let work: string;

before(() => {
  work = mkdtempSync(path.join(tmpdir(), "emplan-"));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function sample(dir: string, count: number, size: number): Promise<void> {
  const r = await runCli(["sample", dir, "--count", String(count), "--size", String(size)]);
  assert.equal(r.code, 0, r.stderr);
  rmSync(path.join(dir, "ground-truth.json"));
}

// CPU-seconds on this shared 2-core machine inflate with what else runs (the background image build of
// scripts/test.sh, another test's leftovers; FINDINGS.md) and contention only ever adds to them, so the
// calibration and the measured run are each taken three times, interleaved, and the least of the three
// predictions is held to the least of the three measurements: a spike of load during one of them does not
// decide the comparison. (Two of each were not enough: at the CI of 2026-12-02 00:24, alone in the serial
// pass, the two calibrations of the same stack came out 15% apart and the least 27% above the least run.)
test("plan --calibrate, then the plan of another stack predicts its local run's CPU-seconds within 25%", async () => {
  const calibrate = async (name: string): Promise<string> => {
    const calibration = path.join(work, name, "calibration.json");
    const cal = await runCli(["plan", "--calibrate", "--calibrate-count", "12", "--calibrate-size", "768", "--calibration", calibration]);
    assert.equal(cal.code, 0, cal.stderr);
    assert.match(cal.stderr, /calibration stored in /);
    const stored = parseCalibration(readFileSync(calibration, "utf8"), calibration);
    assert.ok(stored.stageCpu.features > 0 && stored.stageCpu.render > 0 && stored.stageCpu.pyramid > 0);
    return calibration;
  };
  const measure = async (out: string): Promise<number> => {
    const { stderr } = await exec("/usr/bin/time", ["-f", "cpu %U %S", process.execPath, cliPath, "run", slices, "--out", path.join(work, out)], { maxBuffer: 1 << 26 });
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
    assert.ok(m, stderr.slice(-400));
    return Number(m[1]) + Number(m[2]);
  };
  const predict = async (calibration: string): Promise<number> => {
    const planned = await runCli(["plan", slices, "--calibration", calibration, "--json"]);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as CostPlan;
    assert.deepEqual(plan.stages.map((s) => [s.stage, s.tasks]), [["features", 20], ["align", 19], ["bridge", 0], ["render", 20], ["pyramid", 4]]);
    return plan.localCpuSeconds;
  };

  // Another stack: more slices of another size than the calibration's.
  const slices = path.join(work, "bench");
  await sample(slices, 20, 1024);
  const calibrations: string[] = [];
  const runs: number[] = [];
  for (const k of [1, 2, 3]) {
    calibrations.push(await calibrate(`cal-${k}`));
    runs.push(await measure(`bench-out-${k}`));
  }
  const predictions = await Promise.all(calibrations.map(predict));
  const [predicted, measured] = [Math.min(...predictions), Math.min(...runs)];
  const error = Math.abs(predicted - measured) / measured;
  process.stderr.write(`plan ${predictions.map((p) => p.toFixed(2)).join(", ")} CPU-s, runs ${runs.map((r) => r.toFixed(2)).join(", ")} CPU-s: ${(100 * error).toFixed(1)}% off\n`);
  assert.ok(error <= 0.25, `planned ${predictions.join(", ")} CPU-s, measured ${runs.join(", ")} CPU-s`);
});

test("a prices file changes the dollars by its prices and nothing else; the text plan names every price it uses", async () => {
  const slices = path.join(work, "prices-stack");
  await sample(slices, 4, 256);
  const cheap = path.join(work, "prices.json");
  writeFileSync(cheap, JSON.stringify({ asOf: "2030-01-01", gcsClassA1k: 0, gcsClassB1k: 0 }));
  const list = JSON.parse((await runCli(["plan", slices, "--json"])).stdout) as CostPlan;
  const other = JSON.parse((await runCli(["plan", slices, "--json", "--prices", cheap])).stdout) as CostPlan;
  assert.equal(other.dollars.gcs, 0);
  assert.ok(list.dollars.gcs > 0);
  assert.equal(other.prices.asOf, "2030-01-01");
  assert.deepEqual(other.operations, list.operations);
  assert.equal(other.dollars.compute, list.dollars.compute);
  const text = await runCli(["plan", slices, "--instances", "10"]);
  assert.equal(text.code, 0, text.stderr);
  for (const needle of ["prices of 2026-12-01", "$0.000024/vCPU-s", "$0.005 / $0.0004 per 1k Class A / B", "wall time at 10 instances", "GCS Class A", "Firestore reads", "Pub/Sub bytes", "workflow steps", "CPU-hours", "GiB-hours", "output storage", "cloud: at most 90,000 slices per run"]) {
    assert.ok(text.stdout.includes(needle), `"${needle}" in:\n${text.stdout}`);
  }
});

test("plan refuses with one line naming the folder, file or field", async () => {
  const slices = path.join(work, "refusals");
  await sample(slices, 3, 128);
  const badJson = path.join(work, "bad.json");
  writeFileSync(badJson, "{ not json");
  const badPrices = path.join(work, "bad-prices.json");
  writeFileSync(badPrices, JSON.stringify({ gcsClassA1k: -1 }));
  const unknownPrice = path.join(work, "unknown-price.json");
  writeFileSync(unknownPrice, JSON.stringify({ dollarsPerHug: 1 }));
  const badConfig = path.join(work, "bad-config.json");
  writeFileSync(badConfig, JSON.stringify({ cube: "big" }));
  const cases: Array<[string[], RegExp]> = [
    [["plan", path.join(work, "nope")], /nope: no such folder$/],
    [["plan", slices, "--config", badJson], /bad\.json: not valid JSON/],
    [["plan", slices, "--config", badConfig], /bad-config\.json.*"cube"/],
    [["plan", slices, "--prices", path.join(work, "missing-prices.json")], /missing-prices\.json: no such file$/],
    [["plan", slices, "--prices", badPrices], /bad-prices\.json: "gcsClassA1k" must be a number >= 0, got -1$/],
    [["plan", slices, "--prices", unknownPrice], /unknown-price\.json: unknown field "dollarsPerHug"/],
    [["plan", slices, "--prices", work], /is a folder|not a regular file|folder/],
    [["plan", slices, "--calibration", badJson], /bad\.json: not valid JSON/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], pattern);
  }
  const usage = await runCli(["plan", slices, "--instances", "0"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--instances must be a whole number from 1 to 100000, got "0"/);
  assert.ok(!existsSync(path.join(slices, "out")));
});
