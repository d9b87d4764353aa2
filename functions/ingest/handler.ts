// The upload trigger: on <prefix>/ingest.json finalized in a source bucket, validate the config, enumerate
// the slices, create the run, publish the first stage's tasks and start the workflow execution. Anything
// else is ignored before any I/O. The same upload (bucket, object, generation) delivered twice starts one run.
// A failure that no redelivery changes (a bad config, a path-like object name, a bucket not configured, a
// request Google's APIs refuse) is logged with the object's name and the event acknowledged: Eventarc
// redelivers any event whose function fails, with no limit but the retention period. Only a transient
// failure (adapters/gcp/failure-kind.ts) fails the function, to be delivered again.
import type { CloudEvent } from "@google-cloud/functions-framework";
import { CONFIG_FILE } from "../../core/config.js";
import { errorMessage } from "../../core/errors.js";
import { gsUrl } from "../../core/gs-url.js";
import type { RunStore, TaskQueue } from "../../core/ports.js";
import { fanOutStage } from "../../core/pipeline/cloud-steps.js";
import { FAN_OUT } from "../../core/pipeline/stages.js";
import { cloudFailureKind } from "../../adapters/gcp/failure-kind.js";
import type { RunLocator } from "../../adapters/gcp/run-locations.js";
import { startRunFrom } from "../../adapters/gcp/start-run.js";
import type { TriggerLedger, UploadKey } from "../../adapters/gcp/trigger-ledger.js";
import type { WorkflowStarter } from "../../adapters/gcp/workflow-starter.js";
import type { Logger } from "../../cloud-runtime/log.js";

/** The stage whose tasks the function publishes itself; the workflow it starts skips that fan-out. */
const FIRST_STAGE = FAN_OUT[0].name;

export interface IngestFunctionDeps {
  runs: RunStore;
  locator: RunLocator;
  queue: TaskQueue;
  ledger: TriggerLedger;
  startWorkflow: WorkflowStarter;
  /** Extra workflow arguments (service URLs when the workflow has no environment for them). */
  workflowArgs?: Record<string, unknown>;
  log: Logger;
}

export type UploadOutcome =
  | { result: "ignored" }
  | { result: "duplicate" }
  | { result: "rejected"; error: string }
  | { result: "started"; run: string; execution: string };

/**
 * The uploaded object of an event: a storage "finalized" CloudEvent (Eventarc direct), or a Pub/Sub
 * "messagePublished" CloudEvent carrying a GCS notification (Eventarc over Pub/Sub; fake-gcs-server's events).
 */
export function uploadOf(event: CloudEvent<unknown>): UploadKey | undefined {
  const data = event.data as Record<string, unknown> | undefined;
  if (!data) return undefined;
  if (event.type === "google.cloud.storage.object.v1.finalized") {
    if (typeof data.bucket !== "string" || typeof data.name !== "string") return undefined;
    return { bucket: data.bucket, name: data.name, generation: String(data.generation ?? "") };
  }
  if (event.type === "google.cloud.pubsub.topic.v1.messagePublished") {
    const attrs = ((data.message as Record<string, unknown> | undefined)?.attributes ?? {}) as Record<string, string>;
    if (attrs.eventType !== "OBJECT_FINALIZE" || !attrs.bucketId || !attrs.objectId) return undefined;
    return { bucket: attrs.bucketId, name: attrs.objectId, generation: attrs.objectGeneration ?? "" };
  }
  return undefined;
}

export function isConfigObject(name: string): boolean {
  return name === CONFIG_FILE || name.endsWith(`/${CONFIG_FILE}`);
}

/**
 * Why an object name cannot be a folder's config, or undefined. A GCS name may hold any character, but the
 * folder of a run is a plain path: no leading "/", no empty, "." or ".." folder name, no control character.
 */
export function pathLikeName(name: string): string | undefined {
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return "it contains a control character";
  if (name.startsWith("/")) return 'it starts with "/"';
  const folders = name.split("/").slice(0, -1);
  if (folders.some((f) => f === "")) return 'it has an empty folder name ("//")';
  if (folders.some((f) => f === "." || f === "..")) return 'it has a "." or ".." folder name';
  return undefined;
}

export async function onUpload(upload: UploadKey, deps: IngestFunctionDeps): Promise<UploadOutcome> {
  if (!isConfigObject(upload.name)) return { result: "ignored" };
  const object = gsUrl(upload.bucket, upload.name);
  const pathLike = pathLikeName(upload.name);
  if (pathLike) {
    const error = `object name ${JSON.stringify(upload.name)} is not a plain folder path: ${pathLike}`;
    deps.log("ERROR", `${JSON.stringify(object)}: run not started, event acknowledged: ${error}`, { object: upload.name, bucket: upload.bucket });
    return { result: "rejected", error };
  }
  const folder = { bucket: upload.bucket, prefix: upload.name.slice(0, -CONFIG_FILE.length) };
  if (await deps.ledger.seen(upload)) {
    deps.log("INFO", `${object} (generation ${upload.generation}) was already handled`, { object });
    return { result: "duplicate" };
  }
  let run: string;
  try {
    const opened = await startRunFrom(deps.locator, deps.runs, folder, undefined, "retryable");
    run = opened.run;
    // Always: with skipAlign it records a total of 0, which the workflow's wait sees as settled.
    await fanOutStage(await deps.locator.stepDeps(run), deps.queue, FIRST_STAGE);
  } catch (error) {
    if (cloudFailureKind(error) !== "permanent") throw error;
    // Bad config or slices: nothing to retry. Recorded on the upload, logged with the object's name.
    const message = errorMessage(error);
    await deps.ledger.claim(upload, { status: "rejected", error: message });
    deps.log("ERROR", `${object}: run not started: ${message}`, { object });
    return { result: "rejected", error: message };
  }
  if (!(await deps.ledger.claim(upload, { status: "starting", run }))) return { result: "duplicate" };
  let execution: string;
  try {
    execution = await deps.startWorkflow({ ...deps.workflowArgs, run, source: gsUrl(folder.bucket, folder.prefix), published: [FIRST_STAGE] });
  } catch (error) {
    if (cloudFailureKind(error) !== "permanent") {
      await deps.ledger.release(upload);
      throw error;
    }
    // The workflow does not exist, or this function may not start it: a deployment fault, not retried.
    const message = `the workflow could not be started: ${errorMessage(error)}`;
    await deps.ledger.update(upload, { status: "rejected", error: message });
    deps.log("ERROR", `${object}: run ${run} not started: ${message}`, { run, object });
    return { result: "rejected", error: message };
  }
  await deps.ledger.update(upload, { status: "started", execution });
  deps.log("INFO", `run ${run} started from ${object}: execution ${execution}`, { run, object });
  return { result: "started", run, execution };
}
