// Functions Framework entry point `ingest` (a CloudEvent function, google.cloud.storage.object.v1.finalized).
// Wiring only: environment -> config -> adapters -> handler.ts (HOUSE-STYLE.md rule 3).
import * as functions from "@google-cloud/functions-framework";
import { firestoreClient, pubsubClient, storageClient } from "../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../adapters/gcp/firestore-run-store.js";
import { PubSubQueue, stageTopics } from "../../adapters/gcp/pubsub-queue.js";
import { RunLocator } from "../../adapters/gcp/run-locations.js";
import { TriggerLedger } from "../../adapters/gcp/trigger-ledger.js";
import { workflowStarter } from "../../adapters/gcp/workflow-starter.js";
import { jsonLogger } from "../../cloud-runtime/log.js";
import { serviceConfigFromEnv } from "../../cloud-runtime/service-deps.js";
import { isConfigObject, onUpload, uploadOf, type IngestFunctionDeps } from "./handler.js";

// Built once per instance on the first event that matters (a cold start pays for clients only when needed).
let deps: IngestFunctionDeps | undefined;

/** Built on the first event, from the environment of that moment (so a test can set it before). */
function build(env: Readonly<Record<string, string | undefined>>): IngestFunctionDeps {
  const config = serviceConfigFromEnv(env);
  const gcp = config.gcp;
  const db = firestoreClient(gcp);
  const runs = new FirestoreRunStore(db, config.runsCollection);
  const workflowArgs: Record<string, unknown> = {};
  if (env.ALIGN_URL) workflowArgs.alignUrl = env.ALIGN_URL;
  if (env.EMWRITE_URL) workflowArgs.emwriteUrl = env.EMWRITE_URL;
  if (env.WORKFLOW_POLL_SECONDS) workflowArgs.pollSeconds = Number(env.WORKFLOW_POLL_SECONDS);
  return {
    runs,
    locator: new RunLocator(storageClient(gcp), runs, config.policy),
    queue: new PubSubQueue(pubsubClient(gcp), { topics: stageTopics(config.topics) }),
    ledger: new TriggerLedger(db, env.TRIGGERS_COLLECTION ?? "triggers"),
    startWorkflow: workflowStarter({
      projectId: gcp.projectId,
      location: env.WORKFLOW_LOCATION ?? "us-central1",
      workflow: env.WORKFLOW_NAME ?? "ingest",
      endpoint: env.WORKFLOWS_ENDPOINT,
    }),
    workflowArgs,
    log: jsonLogger((line) => process.stdout.write(line), "ingest-function"),
  };
}

functions.cloudEvent("ingest", async (event: functions.CloudEvent<unknown>) => {
  const upload = uploadOf(event);
  if (!upload || !isConfigObject(upload.name)) return;
  deps ??= build(process.env);
  await onUpload(upload, deps);
});
