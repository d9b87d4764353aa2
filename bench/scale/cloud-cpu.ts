// The orchestration overhead (issue 17 item 3): one ~1 GB stack through the emulated cloud against the local
// `emingest run` of the same stack, in one invocation. CPU seconds of every process, separately: the local
// run (under /usr/bin/time); services/align and services/emwrite each as its own process started the way
// Cloud Run starts it (their wiring files, env config); each emulator's process group (fake-gcs, Firestore,
// Pub/Sub, the workflows emulator: not what Cloud Run bills); this driver (the Executions API shim and its
// polling). The run is started as `gcloud workflows run ingest --data='{"source": ...}'` starts it.
//   node dist/bench/scale/cloud-cpu.js [--slices 64] [--size 4096] [--clahe 2] [--cube 512|1024] [--dir /tmp/emscale-1g] [--prof PROFDIR]
// Prints a table and one JSON line. The stack is cached in DIR/stack-NxS. --prof: the services run with
// node --cpu-prof, writing their profiles to PROFDIR when they exit. --node-args "...": node flags of the
// services and the local run alike (e.g. "--trace-gc"). --node-options "...": NODE_OPTIONS of the
// services (e.g. "--max-semi-space-size=64", to see what the garbage collector costs them). --probe: the
// services run with their probe on (cloud-runtime/service-probe.ts: one request at a time, CPU charged to
// steps, written to DIR/probe-<service>.json at exit), and bench/e2e/run.js's probed local run of the same
// stack follows, for a table of CPU-s per step and per stage, local against cloud (step-table.ts).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { executionsClient } from "../../adapters/gcp/workflow-starter.js";
import { mapLimit } from "../../core/util/map-limit.js";
import { startEmulators, type Emulators } from "../../test/cloud/support/emulators.js";
import { startExecutionsShim } from "../../test/cloud/support/executions-shim.js";
import { waitFor } from "../../test/cloud/support/pipeline.js";
import { freePort } from "../../test/support/free-port.js";
import { benchPaths, optionReader } from "../support.js";
import { emulatorGroups, groupCpuS, processCpuS } from "./proc-cpu.js";
import { byStage, byStep, cloudProbed, gcByStage, localProbed, printSteps } from "./step-table.js";
import { serviceNodeArgs } from "../../cloud-runtime/node-flags.js";

const option = optionReader(process.argv.slice(2));
const slices = Number(option("slices", "64"));
const size = Number(option("size", "4096"));
const clahe = Number(option("clahe", "2"));
const cube = Number(option("cube", "512"));
const dir = path.resolve(option("dir", "/tmp/emscale-1g"));
const { repoRoot } = benchPaths(import.meta.url);
const CLI = path.join(repoRoot, "dist", "cli", "main.js");
const BUCKETS = { src: "cpu-src", out: "cpu-out" };
const prof = option("prof", "");
const nodeOptions = option("node-options", "");
// Node/V8 flags on the command line of the services and of the local run alike (for flags NODE_OPTIONS
// refuses, e.g. "--trace-gc": its lines go to DIR/<service>.log and DIR/local-run.log).
const nodeArgs = option("node-args", "").split(" ").filter(Boolean);
const probe = process.argv.includes("--probe");
// bench/e2e/run.js runs the default config: its cube is the default one.
if (probe && cube !== 512) throw new Error("--probe compares with bench/e2e's local run, which uses the default cube (512): leave --cube out");

const stack = path.join(dir, `stack-${slices}x${size}`);
const pngs = () => (existsSync(stack) ? readdirSync(stack).filter((f) => f.endsWith(".png")).sort() : []);
if (pngs().length !== slices) {
  rmSync(stack, { recursive: true, force: true });
  execFileSync(process.execPath, [CLI, "sample", stack, "--count", String(slices), "--size", String(size)], { stdio: "inherit" });
}
const inputGB = (slices * size * size) / 1e9;
const localOut = path.join(dir, "out-local");
rmSync(localOut, { recursive: true, force: true });
for (const name of ["align", "emwrite"]) rmSync(probeFileOf(name), { force: true });
const local = localRun();

const emu = await startEmulators(["pubsub", "firestore", "gcs", "workflows"]);
const children: ChildProcess[] = [];
try {
  const storage = storageClient(emu.config);
  const [src] = await storage.createBucket(BUCKETS.src);
  const [out] = await storage.createBucket(BUCKETS.out);
  await mapLimit(pngs(), 4, (name) => src.upload(path.join(stack, name), { destination: `stack/${name}`, resumable: false, validation: false }));
  await src.file("stack/ingest.json").save(JSON.stringify({ claheClip: clahe, cube }), { resumable: false });

  const services = { align: await startService("align"), emwrite: await startService("emwrite") };
  const pubsub = pubsubClient(emu.config);
  // A long ack deadline: a redelivered task would run twice and charge its CPU twice.
  for (const [name, svc] of Object.entries(services)) {
    const [topic] = await pubsub.createTopic(`emingest-${name}`);
    await topic.createSubscription(`emingest-${name}-push`, { pushConfig: { pushEndpoint: `${svc.url}/` }, ackDeadlineSeconds: 600, retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } } });
  }
  const shim = await startExecutionsShim(emu.env.WORKFLOWS_EMULATOR_URL, emu.env.WORKFLOWS_EMULATOR_SOURCE);
  const executions = executionsClient({ endpoint: shim.url });

  // Every counter starts after the upload: the bytes' way into GCS is not the pipeline's work.
  const groups = emulatorGroups(emu.dir);
  const emu0 = Object.fromEntries(Object.entries(groups).map(([name, pgid]) => [name, groupCpuS(pgid)]));
  const svc0 = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, processCpuS(s.child.pid!)]));
  const driver0 = process.cpuUsage();
  const started = Date.now();
  const data = { source: `gs://${src.name}/stack/`, alignUrl: services.align.url, emwriteUrl: services.emwrite.url, pollSeconds: 1 };
  const [created] = await executions.createExecution({ parent: `projects/${emu.config.projectId}/locations/us-central1/workflows/ingest`, execution: { argument: JSON.stringify(data) } });
  const finished = await waitFor(
    "the execution",
    async () => {
      const [e] = await executions.getExecution({ name: created.name });
      return e.state === "ACTIVE" ? undefined : e;
    },
    3 * 3600_000,
    1000,
  );
  const wallS = (Date.now() - started) / 1000;
  const svcCpu = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, processCpuS(s.child.pid!) - svc0[name]]));
  const emuCpu = Object.fromEntries(Object.entries(groups).map(([name, pgid]) => [name, groupCpuS(pgid) - emu0[name]]));
  const driver = process.cpuUsage(driver0);
  const driverCpu = (driver.user + driver.system) / 1e6;
  if (finished.state !== "SUCCEEDED") throw new Error(`execution ${finished.state}: ${JSON.stringify(finished.error)}`);
  const run = (JSON.parse(finished.result ?? "{}") as { run: string }).run;

  // The output's objects against the local run's files: same names, and how many differ in size.
  const [files] = await out.getFiles({ prefix: `${run}/` });
  const cloudSizes = new Map(files.map((f) => [f.name.slice(run.length + 1), Number(f.metadata.size)]));
  const localSizes = treeSizes(localOut);
  const sameNames = cloudSizes.size === localSizes.size && [...localSizes.keys()].every((k) => cloudSizes.has(k));
  const sizeDiffers = [...localSizes].filter(([k, n]) => cloudSizes.get(k) !== n).map(([k]) => k);

  const starts = { ...taskStarts("align"), ...taskStarts("emwrite") };
  const servicesCpu = svcCpu.align + svcCpu.emwrite;
  const emulatorsCpu = Object.values(emuCpu).reduce((a, b) => a + b, 0);
  const rows: Array<[string, number]> = [
    ["local `emingest run` (2 workers)", local.cpuS],
    ["services/align process", svcCpu.align],
    ["services/emwrite process", svcCpu.emwrite],
    ["services, both", servicesCpu],
    ...Object.entries(emuCpu).map(([name, s]): [string, number] => [`emulator: ${name}`, s]),
    ["emulators, all", emulatorsCpu],
    ["bench driver (Executions shim, polling)", driverCpu],
  ];
  console.log(`stack: ${slices} x ${size}^2 8-bit, ${(inputGB * 1000).toFixed(0)} MB of pixels; CLAHE ${clahe}, jpeg only`);
  for (const [what, s] of rows) console.log(`${what.padEnd(42)} ${s.toFixed(1).padStart(7)} CPU-s  ${(s / inputGB).toFixed(1).padStart(7)} CPU-s/GB`);
  console.log(`local wall ${local.wallS.toFixed(1)} s; cloud wall ${wallS.toFixed(1)} s; services / local CPU: ${(servicesCpu / local.cpuS).toFixed(3)}x`);
  console.log(`task starts per stage (starts/tasks): ${Object.entries(starts).map(([s, c]) => `${s} ${c.starts}/${c.tasks}`).join(", ")}`);
  console.log(`output: ${cloudSizes.size} objects, same names as local: ${sameNames}, sizes differing: ${sizeDiffers.length} ${sizeDiffers.slice(0, 5).join(" ")}`);
  console.log(
    JSON.stringify({
      slices,
      size,
      clahe,
      nodeOptions,
      inputGB,
      local,
      cloud: { wallS, services: svcCpu, emulators: emuCpu, driverCpuS: driverCpu },
      servicesOverLocal: servicesCpu / local.cpuS,
      output: { objects: cloudSizes.size, sameNames, sizeDiffers },
      taskStarts: starts,
    }),
  );
  await executions.close();
  await shim.close();
  await pubsub.close();
} finally {
  // SIGTERM: the service finishes its requests and exits 0 (cloud-runtime/start.ts), writing its profile.
  // Cloud Run's 10 s grace, then SIGKILL.
  await Promise.all(children.map((child) => stopChild(child)));
  await emu.stop();
}

if (probe) {
  // After the services stopped: each wrote its probe file on SIGTERM.
  const cloud = cloudProbed(["align", "emwrite"].map(probeFileOf));
  const localSteps = localProbed(path.join(repoRoot, "dist", "bench", "e2e", "run.js"), dir, slices, size, clahe);
  console.log(`\nprobed, one task at a time: local in-process ${localSteps.cpuS.toFixed(1)} CPU-s (bench/e2e/run.js --skip-cli); load average ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  printSteps("stage", byStage(localSteps.stages, cloud.stages));
  printSteps("step (all stages)", byStep(localSteps.stages, cloud.stages));
  printSteps("GC pauses per stage (in the CPU above)", gcByStage(localSteps.gc, cloud.gc), "s");
  console.log(`GC pauses by kind: local ${JSON.stringify(localSteps.gcKinds)}; services (align, emwrite) ${JSON.stringify(cloud.gcKinds)}`);
  console.log(JSON.stringify({ probe: { local: localSteps.stages, cloud: cloud.stages, gc: { local: localSteps.gc, cloud: cloud.gc, localKinds: localSteps.gcKinds, cloudKinds: cloud.gcKinds } } }));
}

/** The local run of the same stack and config, under /usr/bin/time (CPU = user + system of every thread). */
function localRun(): { wallS: number; cpuS: number; peakRssMiB: number } {
  const config = path.join(dir, `ingest-cube${cube}.json`);
  writeFileSync(config, JSON.stringify({ cube }));
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %U %S %M", process.execPath, ...nodeArgs, CLI, "run", stack, "--out", localOut, "--clahe", String(clahe), "--config", config], { encoding: "utf8" });
  if (nodeArgs.length > 0) writeFileSync(path.join(dir, "local-run.log"), r.stdout);
  if (r.status !== 0) throw new Error(`emingest run failed (${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`);
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no /usr/bin/time line in: ${r.stderr.slice(-400)}`);
  return { wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), peakRssMiB: Number(m[4]) / 1024 };
}

/** A service as its own process (its wiring file, env config), once it answers /healthz. */
async function startService(name: "align" | "emwrite"): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const profiling = prof ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(prof), "--cpu-prof-name", `${name}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...profiling, ...serviceNodeArgs(name)], {
    env: serviceEnv(emu, port, name),
    stdio: ["ignore", openSync(logOf(name), "w"), "inherit"],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${name} to listen`, async () => (await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false)) || undefined, 30_000, 100);
  return { url, child };
}

function serviceEnv(e: Emulators, port: number, name: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    GOOGLE_CLOUD_PROJECT: e.config.projectId,
    STORAGE_API_ENDPOINT: e.env.STORAGE_API_ENDPOINT,
    FIRESTORE_EMULATOR_HOST: e.env.FIRESTORE_EMULATOR_HOST,
    PUBSUB_EMULATOR_HOST: e.env.PUBSUB_EMULATOR_HOST,
    METADATA_SERVER_DETECTION: "none",
    SOURCE_BUCKETS: BUCKETS.src,
    OUTPUT_BUCKET: BUCKETS.out,
    PORT: String(port),
    HOST: "127.0.0.1",
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    ...(probe ? { EMINGEST_PROBE_FILE: probeFileOf(name) } : {}),
  };
}

function probeFileOf(name: string): string {
  return path.join(dir, `probe-${name}.json`);
}

function logOf(name: string): string {
  return path.join(dir, `${name}.log`);
}

/** Per stage, from a service's JSON log lines: tasks started (more than once = ran twice), distinct tasks. */
function taskStarts(name: string): Record<string, { starts: number; tasks: number }> {
  const byStage: Record<string, { starts: number; ids: Set<string> }> = {};
  for (const line of readFileSync(logOf(name), "utf8").split("\n")) {
    // Only the service's JSON log lines (V8's --trace-gc, through --node-args, prints plain lines).
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { message?: string; "logging.googleapis.com/labels"?: { stage?: string; task?: string } };
    const labels = entry["logging.googleapis.com/labels"];
    if (!labels?.stage || !labels.task || !String(entry.message).endsWith(" started")) continue;
    const s = (byStage[labels.stage] ??= { starts: 0, ids: new Set() });
    s.starts++;
    s.ids.add(labels.task);
  }
  return Object.fromEntries(Object.entries(byStage).map(([stage, s]) => [stage, { starts: s.starts, tasks: s.ids.size }]));
}

/** Relative path -> size of every file under root, but the local run's own state folder (.emingest). */
function treeSizes(root: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === ".emingest") continue;
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), key);
      else sizes.set(key, statSync(path.join(d, e.name)).size);
    }
  };
  walk(root, "");
  return sizes;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
