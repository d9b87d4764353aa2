// The emulated cloud with every billed operation counted, for the scale tests and the scale bench. The
// services run as several OS processes each (scale-instances.ts: started from their wiring files with env
// config, as Cloud Run starts them, fresh for every run), behind one round-robin front per service
// (scale-front.ts: the service's URL, which the workflow calls and Pub/Sub pushes to). Counted where the
// billing happens: GCS requests by class at a proxy in front of fake-gcs (the instances' only way to the
// buckets), Firestore operations and Pub/Sub publishes inside each instance by the decorators of its ports
// (cloud-runtime/operation-counts.ts: only a process can see its own RunStore calls), summed over the
// instances; pushes and workflow step calls at the fronts, which also record every task delivery. The run is
// started the way `gcloud workflows run ingest --data='{"source": ...}'` starts it, through the Executions API
// in front of the workflows emulator running workflows-yaml/ingest.yaml.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Bucket } from "@google-cloud/storage";
import { firestoreClient, pubsubClient, storageClient } from "../../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../../adapters/gcp/firestore-run-store.js";
import { executionsClient } from "../../../adapters/gcp/workflow-starter.js";
import { zeroFirestore, type FirestoreCounts } from "../../../cloud-runtime/counting-run-store.js";
import type { PubSubCounts } from "../../../cloud-runtime/operation-counts.js";
import type { ServiceName } from "../../../core/pipeline/stages.js";
import { mapLimit } from "../../../core/util/map-limit.js";
import { startCountingProxy, type GcsCounts } from "./counting-proxy.js";
import type { Emulators } from "./emulators.js";
import { startExecutionsShim } from "./executions-shim.js";
import { waitFor } from "./pipeline.js";
import { startScaleFront, type DeliveryRecord, type HttpCounts } from "./scale-front.js";
import { startInstances, type InstanceReport } from "./scale-instances.js";

export type { HttpCounts };

export interface ScaleCounts {
  gcs: GcsCounts;
  firestore: FirestoreCounts;
  pubsub: PubSubCounts;
  http: HttpCounts;
}

/** What the service processes did: every task delivery the fronts passed on, and each instance's own report. */
export interface ProcessReport {
  deliveries: DeliveryRecord[];
  instances: InstanceReport[];
  /** Per service, the most instances that had a task delivery in flight at one time. */
  maxBusy: Record<ServiceName, number>;
}

export interface ScaleWorldOptions {
  /** Instances (processes) per service; 2 and 2 unless said. */
  instances?: Record<ServiceName, number>;
  /** Every k-th delivery answered "done" is delivered again to another instance (scale-front.ts); 0: never. */
  redeliverEvery?: number;
}

export interface ScaleWorld {
  /** Runs the stack under gs://<src>/<prefix>/ to the end; the execution's result and the counts of that run alone. */
  run(prefix: string): Promise<{ run: string; status: string; counts: ScaleCounts; wallMs: number; processes: ProcessReport }>;
  instances: Record<ServiceName, number>;
  src: Bucket;
  out: Bucket;
  runs: FirestoreRunStore;
  close(): Promise<void>;
}

const BUCKETS = { src: "scale-src", out: "scale-out" };
const TOPICS: Record<ServiceName, string> = { align: "scale-align", emwrite: "scale-emwrite" };
const COLLECTION = "runs-scale";

export async function startScaleWorld(emu: Emulators, options: ScaleWorldOptions = {}): Promise<ScaleWorld> {
  const instances = options.instances ?? { align: 2, emwrite: 2 };
  const direct = storageClient(emu.config);
  const [src] = await direct.createBucket(BUCKETS.src);
  const [out] = await direct.createBucket(BUCKETS.out);
  const proxy = await startCountingProxy(emu.env.STORAGE_API_ENDPOINT);
  const pubsub = pubsubClient(emu.config);
  const [alignTopic] = await pubsub.createTopic(TOPICS.align);
  const [emwriteTopic] = await pubsub.createTopic(TOPICS.emwrite);
  const [dead] = await pubsub.createTopic("scale-dead");
  const db = firestoreClient(emu.config);
  const store = new FirestoreRunStore(db, COLLECTION);
  const fronts = { align: await startScaleFront("align", options.redeliverEvery), emwrite: await startScaleFront("emwrite", options.redeliverEvery) };
  const retryPolicy = { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } };
  const deadLetterPolicy = { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 };
  await alignTopic.createSubscription("scale-align-push", { pushConfig: { pushEndpoint: `${fronts.align.url}/` }, ackDeadlineSeconds: 60, retryPolicy, deadLetterPolicy });
  await emwriteTopic.createSubscription("scale-emwrite-push", { pushConfig: { pushEndpoint: `${fronts.emwrite.url}/` }, ackDeadlineSeconds: 60, retryPolicy, deadLetterPolicy });
  await dead.createSubscription("scale-dead-push", { pushConfig: { pushEndpoint: `${fronts.emwrite.url}/dead-letter` } });
  const shim = await startExecutionsShim(emu.env.WORKFLOWS_EMULATOR_URL, emu.env.WORKFLOWS_EMULATOR_SOURCE);
  const executions = executionsClient({ endpoint: shim.url });
  const work = mkdtempSync(path.join(tmpdir(), "emscale-procs-"));
  // The services' configuration, as Terraform gives it to them, but the bucket endpoint: the counting proxy.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    GOOGLE_CLOUD_PROJECT: emu.config.projectId,
    STORAGE_API_ENDPOINT: proxy.url,
    FIRESTORE_EMULATOR_HOST: emu.env.FIRESTORE_EMULATOR_HOST,
    PUBSUB_EMULATOR_HOST: emu.env.PUBSUB_EMULATOR_HOST,
    METADATA_SERVER_DETECTION: "none",
    SOURCE_BUCKETS: src.name,
    OUTPUT_BUCKET: out.name,
    ALIGN_TOPIC: TOPICS.align,
    EMWRITE_TOPIC: TOPICS.emwrite,
    RUNS_COLLECTION: COLLECTION,
  };
  let runs = 0;

  return {
    src,
    out,
    runs: store,
    instances,
    async run(prefix) {
      const dir = path.join(work, `run-${runs++}`);
      mkdirSync(dir);
      const started = { align: await startInstances("align", instances.align, dir, env), emwrite: await startInstances("emwrite", instances.emwrite, dir, env) };
      let reports: InstanceReport[] = [];
      try {
        fronts.align.use(started.align.urls);
        fronts.emwrite.use(started.emwrite.urls);
        proxy.reset();
        const begun = Date.now();
        const parent = `projects/${emu.config.projectId}/locations/us-central1/workflows/ingest`;
        const data = { source: `gs://${src.name}/${prefix}`, alignUrl: fronts.align.url, emwriteUrl: fronts.emwrite.url, pollSeconds: 1, maxWaitSeconds: 7200 };
        const [created] = await executions.createExecution({ parent, execution: { argument: JSON.stringify(data) } });
        const finished = await waitFor(
          "the execution",
          async () => {
            const [e] = await executions.getExecution({ name: created.name });
            return e.state === "ACTIVE" ? undefined : e;
          },
          4 * 3600_000,
          500,
        );
        const wallMs = Date.now() - begun;
        if (finished.state !== "SUCCEEDED") throw new Error(`execution ${finished.state}: ${JSON.stringify(finished.error)}`);
        const result = JSON.parse(finished.result ?? "{}") as { run?: string; status?: string };
        reports = await Promise.all([started.align.stop(), started.emwrite.stop()]).then((r) => r.flat());
        const counts: ScaleCounts = {
          gcs: { ...proxy.counts, byKind: { ...proxy.counts.byKind } },
          firestore: sumCounts(reports.map((r) => r.counts.firestore), zeroFirestore()),
          pubsub: sumCounts(reports.map((r) => r.counts.pubsub), { messages: 0, bytes: 0, largest: 0, byStage: {} }),
          http: sumCounts([fronts.align.counts, fronts.emwrite.counts], { pushes: 0, steps: {}, largestStepAnswer: 0, failures: 0 }),
        };
        const processes: ProcessReport = {
          deliveries: [...fronts.align.deliveries, ...fronts.emwrite.deliveries],
          instances: reports,
          maxBusy: { align: fronts.align.maxBusy, emwrite: fronts.emwrite.maxBusy },
        };
        return { run: result.run ?? "", status: result.status ?? "", counts, wallMs, processes };
      } finally {
        // Stops only what is still running (a run that failed before its counts were read).
        if (reports.length === 0) await Promise.allSettled([started.align.stop(), started.emwrite.stop()]);
      }
    },
    async close() {
      await executions.close();
      await shim.close();
      await fronts.align.close();
      await fronts.emwrite.close();
      await pubsub.close();
      await db.terminate();
      await proxy.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

type CountRecord = Record<string, number | Record<string, number>>;

/**
 * Sums the count records of several processes field by field: a `largest*` field takes the largest value,
 * any other number is added, and a per-key record (by method, stage, step) is added key by key.
 */
function sumCounts<T extends object>(parts: readonly T[], zero: T): T {
  const total = structuredClone(zero) as CountRecord;
  for (const part of parts as readonly CountRecord[]) {
    for (const [field, value] of Object.entries(part)) {
      const sum = total[field];
      if (typeof value === "number") {
        const before = typeof sum === "number" ? sum : 0;
        total[field] = field.startsWith("largest") ? Math.max(before, value) : before + value;
      } else {
        const byKey = typeof sum === "object" ? sum : (total[field] = {});
        for (const [key, n] of Object.entries(value)) byKey[key] = (byKey[key] ?? 0) + n;
      }
    }
  }
  return total as T;
}

/** Uploads a folder's files under prefix, 16 at a time, straight to fake-gcs (not counted). */
export async function uploadStack(bucket: Bucket, prefix: string, files: ReadonlyArray<{ name: string; bytes: Buffer }>): Promise<void> {
  await mapLimit(files, 16, (f) => bucket.file(`${prefix}${f.name}`).save(f.bytes, { resumable: false, validation: false }));
}
