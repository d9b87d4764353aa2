// The GcsStore of a gs:// folder for the CLI commands that talk to the cloud (submit, plan of gs://). The
// Google Cloud modules are imported here, when such a command runs, never at start-up: loading them cost
// every local command ~0.7 CPU-s.
import type { GcpConfig } from "../adapters/gcp/clients.js";
import type { GcsStore } from "../adapters/gcp/gcs-store.js";
import type { BucketFolder } from "../core/gs-url.js";

export async function gcsStoreAt(gcp: GcpConfig, folder: BucketFolder): Promise<GcsStore> {
  const [{ storageClient }, { GcsStore }] = await Promise.all([import("../adapters/gcp/clients.js"), import("../adapters/gcp/gcs-store.js")]);
  return new GcsStore(storageClient(gcp).bucket(folder.bucket), { prefix: folder.prefix });
}
