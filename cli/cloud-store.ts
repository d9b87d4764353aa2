// The cloud ports for the CLI commands that talk to the cloud: the GcsStore of a gs:// folder (submit, plan
// of gs://), the Firestore run store (status, fiji-batch) and the Pub/Sub queue (fiji-batch). The Google
// Cloud modules are imported here, when such a command runs, never at start-up: loading them cost every
// local command ~0.7 CPU-s.
import type { GcpConfig } from "../adapters/gcp/clients.js";
import type { FirestoreRunStore } from "../adapters/gcp/firestore-run-store.js";
import type { GcsStore } from "../adapters/gcp/gcs-store.js";
import type { PubSubQueue } from "../adapters/gcp/pubsub-queue.js";
import type { BucketFolder } from "../core/gs-url.js";

export async function gcsStoreAt(gcp: GcpConfig, folder: BucketFolder): Promise<GcsStore> {
  const [{ storageClient }, { GcsStore }] = await Promise.all([import("../adapters/gcp/clients.js"), import("../adapters/gcp/gcs-store.js")]);
  return new GcsStore(storageClient(gcp).bucket(folder.bucket), { prefix: folder.prefix });
}

/** The run store over Firestore collection `collection`, and what closes its client. */
export async function firestoreRunsAt(gcp: GcpConfig, collection: string): Promise<{ runs: FirestoreRunStore; close: () => Promise<void> }> {
  const [{ firestoreClient }, { FirestoreRunStore }] = await Promise.all([import("../adapters/gcp/clients.js"), import("../adapters/gcp/firestore-run-store.js")]);
  const db = firestoreClient(gcp);
  return { runs: new FirestoreRunStore(db, collection), close: () => db.terminate() };
}

/** The queue publishing each stage of `topics` to its topic, and what closes it and its client. */
export async function pubsubQueueAt(gcp: GcpConfig, topics: Record<string, string>): Promise<{ queue: PubSubQueue; close: () => Promise<void> }> {
  const [{ pubsubClient }, { PubSubQueue }] = await Promise.all([import("../adapters/gcp/clients.js"), import("../adapters/gcp/pubsub-queue.js")]);
  const pubsub = pubsubClient(gcp);
  const queue = new PubSubQueue(pubsub, { topics });
  return {
    queue,
    close: async () => {
      await queue.close();
      await pubsub.close();
    },
  };
}
