// What the upload function talks to, for the tests that check what it starts (not the workflow): the
// source and output buckets fn-src and fn-out, the align and emwrite topics with a pull subscription on the
// features tasks, and an executions shim whose recorded executions are never run.
import path from "node:path";
import type { Subscription } from "@google-cloud/pubsub";
import { pubsubClient, storageClient } from "../../../adapters/gcp/clients.js";
import type { Emulators } from "./emulators.js";
import { startExecutionsShim, type ExecutionsShim } from "./executions-shim.js";

export async function createFunctionWorld(emu: Emulators, work: string): Promise<{ features: Subscription; shim: ExecutionsShim }> {
  await storageClient(emu.config).createBucket("fn-src");
  await storageClient(emu.config).createBucket("fn-out");
  const pubsub = pubsubClient(emu.config);
  const [topic] = await pubsub.createTopic("emingest-align");
  await pubsub.createTopic("emingest-emwrite");
  const [features] = await topic.createSubscription("features-pull");
  const shim = await startExecutionsShim("http://127.0.0.1:9", path.join(work, "workflow.yaml"));
  return { features, shim };
}

/** A storage object-finalized event in binary content mode, as Eventarc delivers it; returns the status. */
export async function postFinalized(url: string, event: { bucket: string; name: string; generation: string; id: string }): Promise<number> {
  const { bucket, name, generation, id } = event;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "ce-specversion": "1.0",
      "ce-type": "google.cloud.storage.object.v1.finalized",
      "ce-source": `//storage.googleapis.com/projects/_/buckets/${bucket}`,
      "ce-subject": `objects/${name}`,
      "ce-id": id,
      "ce-time": new Date().toISOString(),
    },
    body: JSON.stringify({ bucket, name, generation, contentType: "application/json" }),
  });
  await res.arrayBuffer();
  return res.status;
}
