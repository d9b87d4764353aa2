// The pipeline services' app on the emulators, the way most cloud tests need it: a source and an output
// bucket (`<name>-src`, `<name>-out`) with the slices uploaded under stack/, a Firestore run store, the run
// locator and a memory queue that keeps what the steps publish, the app listening on 127.0.0.1.
import assert from "node:assert/strict";
import type { Firestore } from "@google-cloud/firestore";
import type { Bucket, Storage } from "@google-cloud/storage";
import { firestoreClient, storageClient } from "../../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../../adapters/gcp/firestore-run-store.js";
import { RunLocator } from "../../../adapters/gcp/run-locations.js";
import { STAGES } from "../../../core/pipeline/stages.js";
import { createApp } from "../../../cloud-runtime/app.js";
import { jsonLogger, type Logger } from "../../../cloud-runtime/log.js";
import { routerCache } from "../../../cloud-runtime/service-deps.js";
import { MemoryQueue } from "../../support/memory-queue.js";
import type { Emulators } from "./emulators.js";
import { envelope, listen, post, uploadFolder, type Listening } from "./pipeline.js";

export interface PipelineService {
  src: Bucket;
  dst: Bucket;
  db: Firestore;
  runs: FirestoreRunStore;
  locator: RunLocator;
  queue: MemoryQueue;
  svc: Listening;
  /** Closes the listener and the Firestore client. */
  close(): Promise<void>;
}

export interface PipelineServiceOptions {
  /** Uploaded under stack/ of the source bucket. */
  slices: string;
  /** The services' client (through a proxy, say); the buckets are created with a direct one. */
  storage?: Storage;
  stages?: readonly string[];
  log?: Logger;
  /** Firestore collection of runs; default `runs-<name>`. */
  collection?: string;
}

export async function pipelineService(emu: Emulators, name: string, options: PipelineServiceOptions): Promise<PipelineService> {
  const direct = storageClient(emu.config);
  const [src] = await direct.createBucket(`${name}-src`);
  const [dst] = await direct.createBucket(`${name}-out`);
  await uploadFolder(src, "stack/", options.slices);
  const db = firestoreClient(emu.config);
  const runs = new FirestoreRunStore(db, options.collection ?? `runs-${name}`);
  const locator = new RunLocator(options.storage ?? direct, runs, { sourceBuckets: [src.name], outputBucket: dst.name });
  const queue = new MemoryQueue();
  const log = options.log ?? jsonLogger(() => undefined, "test");
  const svc = await listen(createApp({ runs, locator, queue, log, stages: options.stages ?? STAGES, routerFor: routerCache(locator, runs) }));
  return {
    src,
    dst,
    db,
    runs,
    locator,
    queue,
    svc,
    close: async () => {
      await svc.close();
      await db.terminate();
    },
  };
}

/** POST /steps/fanout for the stage, then push every task it published to the service, once each: each must answer 200 `status`. */
export async function fanOutAndPush(service: Pick<PipelineService, "svc" | "queue">, run: string, stage: string, status = "done"): Promise<void> {
  const fan = await post(`${service.svc.url}/steps/fanout`, { run, stage });
  assert.equal(fan.status, 200, JSON.stringify(fan.body));
  let i = 0;
  await service.queue.deliver(async (task) => {
    const reply = await post(service.svc.url, envelope(task, `${stage}-${i++}`));
    assert.deepEqual([reply.status, reply.body.status], [200, status], `${task.id}: ${JSON.stringify(reply.body)}`);
  });
}
