// services/fiji: fiji_cloudrun-compatible headless Fiji/ImageJ jobs over HTTP, and batch "fiji" tasks by
// Pub/Sub push, or pull (FIJI_PULL_SUBSCRIPTION). Wiring only: environment -> config -> adapters -> app
// (HOUSE-STYLE.md rule 3).
import { createServer } from "node:http";
import { gcpConfigFromEnv, firestoreClient, pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { gcsBucketIO } from "../../adapters/gcp/gcs-bucket-io.js";
import { checkSandbox, ProcessSandbox } from "../../adapters/process/fiji-sandbox.js";
import { prepareScratchRoot } from "../../adapters/process/fiji-scratch-root.js";
import { fijiTaskRouter } from "../../core/fiji/batch.js";
import { downsampleImageFile } from "../../core/fiji/downsample.js";
import { errorMessage } from "../../core/errors.js";
import { jsonLogger } from "../../cloud-runtime/log.js";
import { createFijiApp } from "./app.js";
import { fijiConfigFromEnv } from "./config.js";
import { JobSlots } from "./job-slots.js";
import { startFijiPull } from "./pull.js";

/** Cloud Run kills an instance 10 s after SIGTERM: running jobs get the rest of that to finish. */
const SHUTDOWN_GRACE_MS = 9_000;

const log = jsonLogger((line) => process.stdout.write(line), "fiji");
const config = await startupOrExit(async () => {
  const parsed = fijiConfigFromEnv(process.env);
  // Root makes the job's namespaces, then drops each job to FIJI_RUN_AS (services/README.md "fiji jobs").
  if (process.getuid?.() !== 0) throw new Error(`the fiji service must start as root to sandbox its jobs (it runs as uid ${process.getuid?.()})`);
  await prepareScratchRoot(parsed.sandbox.root, parsed.sandbox.runAs, 0);
  await checkSandbox(parsed.sandbox);
  return parsed;
});
const gcp = gcpConfigFromEnv(process.env);
const job = { io: gcsBucketIO(storageClient(gcp)), sandbox: new ProcessSandbox(config.sandbox), downsample: downsampleImageFile };
const runs = new FirestoreRunStore(firestoreClient(gcp), process.env.RUNS_COLLECTION ?? "runs");
const router = fijiTaskRouter(job, config.policy);
const batch = { runs, routerFor: async () => router };
// One set of slots for HTTP and pull: the instance never runs more than FIJI_MAX_JOBS jobs.
const slots = new JobSlots(config.maxJobs);
const app = createFijiApp({ ...job, policy: config.policy, maxJobs: config.maxJobs, slots, log, batch });
const server = createServer(app);
// A job may run for as long as FIJI_TIMEOUT_SECONDS: the request must outlive it.
server.requestTimeout = config.sandbox.timeoutMs + 300_000;
server.listen(config.port, config.host, () => log("INFO", `fiji listening on ${config.host}:${config.port}`));
const puller = config.pull && startFijiPull(pubsubClient(gcp), config.pull, { batch: { ...batch, log }, slots, log });
if (config.pull) log("INFO", `fiji pulling ${config.pull.subscription}, ${config.maxJobs} job(s) at a time`);
process.on("SIGTERM", () => {
  log("INFO", `SIGTERM: no new jobs; running ones have ${SHUTDOWN_GRACE_MS} ms`);
  void Promise.all([new Promise((closed) => server.close(closed)), puller?.stop(SHUTDOWN_GRACE_MS)]).then(() => process.exit(0));
});

/** What must hold before the first job: else one ERROR line naming the cause, and exit 1 (no stack trace). */
async function startupOrExit<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    log("ERROR", `fiji refuses to start: ${errorMessage(error)}`);
    process.exit(1);
  }
}
