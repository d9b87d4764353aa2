// Runs one tier of the compiled tests (dist/test/), so a developer can run the fast part alone:
//   unit   in-process tests: the core, the adapters on local files, the CLI's parsing, the pipeline on
//          memory stores. Needs only the build (npm ci, the native addon, tsc); runs in well under 30 s.
//   e2e    the CLI as a subprocess and the Python oracles (tensorstore, OpenCV, cloud-volume) in .venv.
//   cloud  the cloud runtime on the emulators, the fiji service with ImageJ, the Terraform checks.
//   images the service images built and run as containers (test/images; also `npm run test:images`).
// A test file belongs to the first tier whose list names its folder or file; every other file is a unit
// test. `npm test` (scripts/test.sh) runs every tier, in two passes that `schedule` lists (and
// scripts/test-run.mjs runs in that order):
//   concurrent  every file not in SERIAL, two files at a time (most wait on subprocesses, emulators, Docker
//               or chromium, so one file at a time leaves half of a 2-core machine idle), the slowest first
//   serial      the files in SERIAL and the images tier, one at a time after the concurrent pass, alone
//   node scripts/test-tier.mjs unit|e2e|cloud|images [--list]
//   node scripts/test-tier.mjs schedule concurrent|serial      (the pass's files, one a line, in run order)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const TIERS = {
  images: ["images/"],
  cloud: ["cloud/", "reexport/cloud-reexport.test.js", "fiji/", "terraform/", "hostile/cloud-payloads.test.js", "hostile/input-decoding.test.js"],
  e2e: [
    "e2e/",
    "reexport/reexport.test.js",
    "reexport/kill-points.test.js",
    "reexport/refusals.test.js",
    "hostile/",
    "image/png-gray.test.js",
    "align/native-opencv.test.js",
    "align/sift-opencv.test.js",
    "align/warp.test.js",
    "precomputed/interop.test.js",
    "precomputed/downsample.test.js",
    "precomputed/limits.test.js",
    "precomputed/memory.test.js",
    "report/csv.test.js",
    "zarr/interop.test.js",
    "report/placement.test.js",
    "report/page.test.js",
    "report/viewer.test.js",
  ],
};

// Files that measure CPU-seconds and compare them with each other: a neighbour would inflate one side.
const SERIAL = ["e2e/plan-command.test.js"];
// The images tier runs in the serial pass too: its files take the one Docker engine of the layer cache in
// turn anyway (scripts/images.sh's lock), and their waits on containers and workflow executions are bounded
// (a neighbour's load once pushed the docker-kill test of container-cloud past its 2-minute wait).
const serialFile = (f) => SERIAL.includes(f) || tierOf(f) === "images";

// The slowest files of the last CI's spec log, slowest first, so that the concurrent pass does not end on
// one long file while the other slot idles. Every file not named here follows in name order.
const SLOWEST_FIRST = [
  "hostile/kill-points.test.js",
  "reexport/kill-points.test.js",
  "align/stripes-stack.test.js",
  "hostile/alignment-failure.test.js",
  "cloud/scale.test.js",
  "hostile/input-decoding.test.js",
  "align/long-stack.test.js",
  "fiji/pull-cloud.test.js",
  "cloud/emulated-cloud.test.js",
  "hostile/errors.test.js",
  "hostile/output-ownership.test.js",
  "fiji/containment.test.js",
  "cloud/services.test.js",
  "hostile/cloud-payloads.test.js",
  "precomputed/interop.test.js",
  "reexport/cloud-reexport.test.js",
  "hostile/striped-stack.test.js",
  "terraform/wiring.test.js",
  "e2e/sift-run.test.js",
  "report/viewer.test.js",
  "reexport/refusals.test.js",
  "hostile/partial-slices.test.js",
  "cloud/run-prefix.test.js",
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tests = path.join(root, "dist", "test");

function testFiles(dir, rel = "") {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return testFiles(dir, name);
    return e.name.endsWith(".test.js") ? [name] : [];
  });
}

export function tierOf(file) {
  for (const [tier, names] of Object.entries(TIERS)) {
    if (names.some((n) => (n.endsWith("/") ? file.startsWith(n) : file === n))) return tier;
  }
  return "unit";
}

/** Every compiled test file, by name; exits when there is none to list (no build yet). */
function compiledTests() {
  if (!existsSync(tests)) {
    process.stderr.write("test-tier: no compiled tests in dist/test (run npm run build first)\n");
    process.exit(1);
  }
  return testFiles(tests).sort();
}

/** The files of a pass of `npm test`, in the order they start; refuses a schedule that names a file that is gone. */
function schedule(all, pass) {
  const stale = [...SERIAL, ...SLOWEST_FIRST].filter((f) => !all.includes(f));
  if (stale.length > 0) {
    process.stderr.write(`test-tier: the schedule names test files that do not exist: ${stale.join(", ")}\n`);
    process.exit(1);
  }
  if (pass === "serial") return all.filter(serialFile);
  const rest = all.filter((f) => !serialFile(f));
  return [...SLOWEST_FIRST.filter((f) => rest.includes(f)), ...rest.filter((f) => !SLOWEST_FIRST.includes(f))];
}

const [tier, flag] = process.argv.slice(2);
if (tier === "schedule") {
  if (flag !== "concurrent" && flag !== "serial") {
    process.stderr.write("usage: node scripts/test-tier.mjs schedule concurrent|serial\n");
    process.exit(2);
  }
  process.stdout.write(`${schedule(compiledTests(), flag).map((f) => path.join("dist", "test", f)).join("\n")}\n`);
  process.exit(0);
}
if (!["unit", "e2e", "cloud", "images"].includes(tier ?? "")) {
  process.stderr.write("usage: node scripts/test-tier.mjs unit|e2e|cloud|images [--list]\n");
  process.exit(2);
}
const files = compiledTests().filter((f) => tierOf(f) === tier);
if (flag === "--list") {
  process.stdout.write(`${files.join("\n")}\n`);
  process.exit(0);
}
if (files.length === 0) {
  process.stderr.write(`test-tier: no ${tier} test in dist/test\n`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files.map((f) => path.join(tests, f))], { stdio: "inherit" });
process.exit(run.status ?? 1);
