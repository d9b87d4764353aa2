// Runs one tier of the compiled tests (dist/test/), so a developer can run the fast part alone:
//   unit   in-process tests: the core, the adapters on local files, the CLI's parsing, the pipeline on
//          memory stores. Needs only the build (npm ci, the native addon, tsc); runs in well under 30 s.
//   e2e    the CLI as a subprocess and the Python oracles (tensorstore, OpenCV, cloud-volume) in .venv.
//   cloud  the cloud runtime on the emulators, the fiji service with ImageJ, the Terraform checks.
//   images the service images built and run as containers (test/images; also `npm run test:images`).
// A test file belongs to the first tier whose list names its folder or file; every other file is a unit
// test. `npm test` (scripts/test.sh) runs every tier.
//   node scripts/test-tier.mjs unit|e2e|cloud|images [--list]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
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

const [tier, flag] = process.argv.slice(2);
if (!["unit", "e2e", "cloud", "images"].includes(tier ?? "")) {
  process.stderr.write("usage: node scripts/test-tier.mjs unit|e2e|cloud|images [--list]\n");
  process.exit(2);
}
let files;
try {
  files = testFiles(tests).filter((f) => tierOf(f) === tier).sort();
} catch {
  process.stderr.write("test-tier: no compiled tests in dist/test (run npm run build first)\n");
  process.exit(1);
}
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
