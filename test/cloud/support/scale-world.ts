// The emulated cloud with every billed operation counted, for the scale tests and the scale bench: fake-gcs
// behind a counting proxy (the services' only way to the buckets), Firestore behind a counting RunStore,
// Pub/Sub publishes counted at the queue (messages and bytes of task JSON), the services' HTTP requests
// counted by route (pushes, each workflow step call, the largest step answer a workflow variable holds).
// The run is started the way `gcloud workflows run ingest --data='{"source": ...}'` starts it, through the
// Executions API in front of the workflows emulator running workflows-yaml/ingest.yaml.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Bucket } from "@google-cloud/storage";
import { firestoreClient, pubsubClient, storageClient } from "../../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../../adapters/gcp/firestore-run-store.js";
import { PubSubQueue, stageTopics } from "../../../adapters/gcp/pubsub-queue.js";
import { RunLocator } from "../../../adapters/gcp/run-locations.js";
import { executionsClient } from "../../../adapters/gcp/workflow-starter.js";
import { createApp, type RequestListener } from "../../../cloud-runtime/app.js";
import { routerCache } from "../../../cloud-runtime/service-deps.js";
import { stagesRunBy, type ServiceName } from "../../../core/pipeline/stages.js";
import type { TaskMessage, TaskQueue } from "../../../core/ports.js";
import { mapLimit } from "../../../core/util/map-limit.js";
import { startCountingProxy, type GcsCounts } from "./counting-proxy.js";
import { CountingRunStore, zeroFirestore, type FirestoreCounts } from "./counting-run-store.js";
import type { Emulators } from "./emulators.js";
import { startExecutionsShim } from "./executions-shim.js";
import { listen, waitFor } from "./pipeline.js";

export interface HttpCounts {
  pushes: number;
  /** Workflow step calls by step name (start, fanout, status, plan, finalize, fail). */
  steps: Record<string, number>;
  /** Bytes of the largest step answer (what a workflow variable holds). */
  largestStepAnswer: number;
  /** Answers that were not 200. */
  failures: number;
}

export interface ScaleCounts {
  gcs: GcsCounts;
  firestore: FirestoreCounts;
  pubsub: { messages: number; bytes: number; largest: number; byStage: Record<string, number> };
  http: HttpCounts;
}

export interface ScaleWorld {
  /** Runs the stack under gs://<src>/<prefix>/ to the end; the execution's result and the counts of that run alone. */
  run(prefix: string): Promise<{ run: string; status: string; counts: ScaleCounts; wallMs: number }>;
  src: Bucket;
  out: Bucket;
  runs: FirestoreRunStore;
  close(): Promise<void>;
}

const BUCKETS = { src: "scale-src", out: "scale-out" };

export async function startScaleWorld(emu: Emulators, log: (line: string) => void = () => undefined): Promise<ScaleWorld> {
  const direct = storageClient(emu.config);
  const [src] = await direct.createBucket(BUCKETS.src);
  const [out] = await direct.createBucket(BUCKETS.out);
  const proxy = await startCountingProxy(emu.env.STORAGE_API_ENDPOINT);
  const viaProxy = storageClient({ ...emu.config, storageEndpoint: proxy.url });
  const pubsub = pubsubClient(emu.config);
  const topics: Record<ServiceName, string> = { align: "scale-align", emwrite: "scale-emwrite" };
  const [alignTopic] = await pubsub.createTopic(topics.align);
  const [emwriteTopic] = await pubsub.createTopic(topics.emwrite);
  const [dead] = await pubsub.createTopic("scale-dead");
  const db = firestoreClient(emu.config);
  const store = new FirestoreRunStore(db, "runs-scale");
  let counts = freshCounts(proxy.counts);
  const runs = new CountingRunStore(store, counts.firestore);
  const queue = new PubSubQueue(pubsub, { topics: stageTopics(topics) });
  const countingQueue: TaskQueue = {
    publish: async (tasks: readonly TaskMessage[]) => {
      for (const t of tasks) {
        const bytes = Buffer.byteLength(JSON.stringify(t));
        counts.pubsub.messages++;
        counts.pubsub.bytes += bytes;
        counts.pubsub.largest = Math.max(counts.pubsub.largest, bytes);
        counts.pubsub.byStage[t.stage] = (counts.pubsub.byStage[t.stage] ?? 0) + 1;
      }
      await queue.publish(tasks);
    },
  };
  const servers = await Promise.all(
    (["align", "emwrite"] as const).map(async (service) => {
      const locator = new RunLocator(viaProxy, runs, { sourceBuckets: [src.name], outputBucket: out.name });
      const app = createApp({
        runs: runs,
        locator,
        queue: countingQueue,
        log: (sev, msg, f) => (sev === "ERROR" || sev === "WARNING" ? log(`${service} ${sev} ${msg} ${JSON.stringify(f)}`) : undefined),
        stages: stagesRunBy(service),
        routerFor: routerCache(locator, runs),
      });
      return listen(countingApp(app, () => counts.http));
    }),
  );
  const [alignUrl, emwriteUrl] = servers.map((s) => s.url);
  const retryPolicy = { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } };
  const deadLetterPolicy = { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 };
  await alignTopic.createSubscription("scale-align-push", { pushConfig: { pushEndpoint: `${alignUrl}/` }, ackDeadlineSeconds: 60, retryPolicy, deadLetterPolicy });
  await emwriteTopic.createSubscription("scale-emwrite-push", { pushConfig: { pushEndpoint: `${emwriteUrl}/` }, ackDeadlineSeconds: 60, retryPolicy, deadLetterPolicy });
  await dead.createSubscription("scale-dead-push", { pushConfig: { pushEndpoint: `${emwriteUrl}/dead-letter` } });
  const shim = await startExecutionsShim(emu.env.WORKFLOWS_EMULATOR_URL, emu.env.WORKFLOWS_EMULATOR_SOURCE);
  const executions = executionsClient({ endpoint: shim.url });

  return {
    src,
    out,
    runs: store,
    async run(prefix) {
      counts = freshCounts(proxy.counts);
      proxy.reset();
      counts.gcs = proxy.counts;
      runs.counts = counts.firestore;
      const started = Date.now();
      const parent = `projects/${emu.config.projectId}/locations/us-central1/workflows/ingest`;
      const data = { source: `gs://${src.name}/${prefix}`, alignUrl, emwriteUrl, pollSeconds: 1, maxWaitSeconds: 7200 };
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
      const wallMs = Date.now() - started;
      const result = JSON.parse(finished.result ?? "{}") as { run?: string; status?: string };
      if (finished.state !== "SUCCEEDED") throw new Error(`execution ${finished.state}: ${JSON.stringify(finished.error)}`);
      counts.gcs = { ...proxy.counts, byKind: { ...proxy.counts.byKind } };
      return { run: result.run ?? "", status: result.status ?? "", counts, wallMs };
    },
    async close() {
      await executions.close();
      await shim.close();
      for (const s of servers) await s.close();
      await queue.close();
      await pubsub.close();
      await db.terminate();
      await proxy.close();
    },
  };
}

function freshCounts(gcs: GcsCounts): ScaleCounts {
  return {
    gcs,
    firestore: zeroFirestore(),
    pubsub: { messages: 0, bytes: 0, largest: 0, byStage: {} },
    http: { pushes: 0, steps: {}, largestStepAnswer: 0, failures: 0 },
  };
}

/** Counts each request by route and measures each step's answer. */
function countingApp(app: RequestListener, http: () => HttpCounts): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://svc").pathname;
    const step = /^\/steps\/([a-z]+)$/.exec(path)?.[1];
    const counts = http();
    if (step) counts.steps[step] = (counts.steps[step] ?? 0) + 1;
    else if (path === "/") counts.pushes++;
    const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
    (res as { end: unknown }).end = (chunk?: unknown, ...rest: unknown[]) => {
      if (res.statusCode !== 200) counts.failures++;
      if (step && (typeof chunk === "string" || Buffer.isBuffer(chunk))) counts.largestStepAnswer = Math.max(counts.largestStepAnswer, Buffer.byteLength(chunk));
      return end(chunk, ...rest);
    };
    app(req, res);
  };
}

/** Uploads a folder's files under prefix, 16 at a time, straight to fake-gcs (not counted). */
export async function uploadStack(bucket: Bucket, prefix: string, files: ReadonlyArray<{ name: string; bytes: Buffer }>): Promise<void> {
  await mapLimit(files, 16, (f) => bucket.file(`${prefix}${f.name}`).save(f.bytes, { resumable: false, validation: false }));
}
