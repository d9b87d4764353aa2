// The cloud pipeline at scale on the emulators (issue 17 item 3), in the CI tier: two stacks of small
// slices through the whole emulated cloud (workflow -> services -> Pub/Sub push -> services), the services
// as two OS processes each behind a round-robin front (a Cloud Run URL with two instances), every billed
// operation counted (support/scale-world.ts) and summed over the processes. Every 20th task done is
// delivered again to the other instance (a lost ack), which must change nothing but one read. Each run must end done with every stage's count exact, every
// task published once and recorded once; its counts must equal the cost model's (core/cost/cloud-operations.ts,
// the same numbers `emingest plan` prints); the per-slice counts must not grow with the slice count; and the
// largest workflow variable and Firestore document must stay far below their limits (512 KB, 1 MiB).
// 20,000 slices run as a bench (bench/scale/run.ts: same world, same assertions).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulators, type Emulators } from "./support/emulators.js";
import { startScaleWorld, type ScaleWorld } from "./support/scale-world.js";
import { checkScaleRun, stackFiles, type ScaleResult } from "./support/scale-check.js";
import type { CostPlan } from "../../core/cost/cost-plan.js";
import { runCli } from "../support/cli.js";

let emu: Emulators;
let world: ScaleWorld;
let work: string;

before(async () => {
  emu = await startEmulators(["pubsub", "firestore", "gcs", "workflows"]);
  world = await startScaleWorld(emu, { instances: { align: 2, emwrite: 2 }, redeliverEvery: 20 });
  work = mkdtempSync(path.join(tmpdir(), "emscale-"));
});

after(async () => {
  await world?.close();
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const SIZES = [Number(process.env.EMINGEST_SCALE_SMALL ?? 60), Number(process.env.EMINGEST_SCALE_LARGE ?? 120)];

test(`${SIZES.join(" and ")} slices of 192² through the emulated cloud: counts exact, each task once, operations equal to the cost model, per slice flat, limits kept`, async () => {
  const results: ScaleResult[] = [];
  for (const n of SIZES) {
    const files = await stackFiles(path.join(work, `s${n}`), n, 192, {});
    results.push(await checkScaleRun(world, `stack-${n}/`, files));
  }
  for (const r of results) process.stderr.write(`${JSON.stringify(r.perSlice)} ${JSON.stringify(r.processes)} wall ${r.wallMs} ms\n`);
  for (const r of results) {
    // The redelivery path was exercised on both services, each time on the instance that had not run the task.
    assert.ok(r.processes.injected >= 3, `only ${r.processes.injected} redeliveries at ${r.slices} slices`);
    for (const service of ["align", "emwrite"]) assert.ok(r.processes.injectedTo.some((i) => i.startsWith(`${service}-`)), `no redelivery to ${service}: ${r.processes.injectedTo}`);
  }
  // `emingest plan gs://...` reads the same slices from the bucket and predicts the counts that do not depend
  // on timing (the polls do) exactly, for the instances per service here, but for the reads the report's
  // reslices make because drift widened the box beyond the slices' size (the plan's stated assumption).
  for (const r of results) {
    const env = { GOOGLE_CLOUD_PROJECT: emu.config.projectId, STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT };
    const planned = await runCli(["plan", `gs://${world.src.name}/stack-${r.slices}/`, "--instances", String(world.instances.emwrite), "--json"], env);
    assert.equal(planned.code, 0, planned.stderr);
    const ops = (JSON.parse(planned.stdout) as CostPlan).operations;
    const c = r.counts;
    assert.equal(world.instances.align, world.instances.emwrite, "the plan assumes as many instances of each service");
    assert.deepEqual(
      [ops.gcsClassA, ops.gcsClassB, ops.gcsDeletes, ops.firestoreWrites, ops.pubsubMessages, ops.pubsubBytes],
      [c.gcs.classA, c.gcs.classB - r.boxReads, c.gcs.deletes, c.firestore.writes, c.pubsub.messages, c.pubsub.bytes],
      `plan of stack-${r.slices}`,
    );
  }
  // Per slice, the larger run costs no more operations than the smaller one, within the fixed costs spread
  // over fewer slices (a step quadratic in the slice count would double per slice here).
  const [small, large] = results;
  for (const key of Object.keys(small.perSlice) as Array<keyof ScaleResult["perSlice"]>) {
    assert.ok(large.perSlice[key] <= small.perSlice[key] * 1.05 + 1e-9, `${key} per slice grew: ${small.perSlice[key]} -> ${large.perSlice[key]}`);
  }
});
