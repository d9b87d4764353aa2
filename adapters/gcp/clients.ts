// Builds the Google Cloud clients from a configuration value (HOUSE-STYLE.md rule 8: only the wiring files
// read the environment; they pass what they read here). Emulator endpoints are explicit options.
import { Firestore } from "@google-cloud/firestore";
import { PubSub } from "@google-cloud/pubsub";
import { IdempotencyStrategy, Storage } from "@google-cloud/storage";
import { PermanentError } from "../../core/errors.js";

export interface GcpConfig {
  projectId: string;
  /** "http://127.0.0.1:PORT" for fake-gcs-server (env STORAGE_API_ENDPOINT); undefined = storage.googleapis.com. */
  storageEndpoint?: string;
  /** "127.0.0.1:PORT" for the Firestore emulator. */
  firestoreEmulatorHost?: string;
  /** "127.0.0.1:PORT" for the Pub/Sub emulator. */
  pubsubEmulatorHost?: string;
}

/** Environment variables a deployable needs and did not get: one line that names them all. */
export class MissingSettingsError extends PermanentError {
  constructor(
    readonly names: readonly string[],
    hint = "",
  ) {
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
    super(`${list} ${names.length === 1 ? "is" : "are"} not set${hint}`);
  }
}

/** Reads the standard emulator variables; call it only from a wiring file or a test. */
export function gcpConfigFromEnv(env: Readonly<Record<string, string | undefined>>): GcpConfig {
  const projectId = env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || env.EMULATOR_PROJECT;
  if (!projectId) throw new MissingSettingsError(["GOOGLE_CLOUD_PROJECT"], " (the Google Cloud project to use; EMULATOR_PROJECT with the emulators)");
  return {
    projectId,
    // Not STORAGE_EMULATOR_HOST: when that is set, @google-cloud/storage 7 uses it verbatim as the JSON API
    // base URL (it must then end in /storage/v1) while uploads go to apiEndpoint; keep it unset.
    storageEndpoint: env.STORAGE_API_ENDPOINT,
    firestoreEmulatorHost: env.FIRESTORE_EMULATOR_HOST,
    pubsubEmulatorHost: env.PUBSUB_EMULATOR_HOST,
  };
}

export function storageClient(config: GcpConfig): Storage {
  return new Storage({
    projectId: config.projectId,
    ...(config.storageEndpoint ? { apiEndpoint: config.storageEndpoint, useAuthWithCustomEndpoint: false } : {}),
    retryOptions: {
      autoRetry: true,
      maxRetries: 5,
      retryDelayMultiplier: 2,
      maxRetryDelay: 32,
      totalTimeout: 600,
      // Writes are deterministic (a pure function of the task): retrying them without preconditions is safe.
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
}

export function firestoreClient(config: GcpConfig): Firestore {
  if (config.firestoreEmulatorHost) {
    return new Firestore({
      projectId: config.projectId,
      host: config.firestoreEmulatorHost,
      ssl: false,
      ignoreUndefinedProperties: true,
    });
  }
  return new Firestore({ projectId: config.projectId, ignoreUndefinedProperties: true });
}

export function pubsubClient(config: GcpConfig): PubSub {
  if (config.pubsubEmulatorHost) {
    return new PubSub({ projectId: config.projectId, apiEndpoint: config.pubsubEmulatorHost, emulatorMode: true });
  }
  return new PubSub({ projectId: config.projectId });
}
