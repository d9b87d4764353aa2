// The emulated deployment around the pipeline services, as Terraform wires it: the buckets, the topics, the
// upload function (configured from the environment, as deployed: terraform/locals.tf function_env) and the
// push subscriptions (the bucket's events to the function, each topic to its service, dead letters to
// emwrite). Shared by the in-process services (test/cloud) and the service containers (test/images).
import type { Bucket, Storage } from "@google-cloud/storage";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import { pubsubClient, storageClient } from "../../../adapters/gcp/clients.js";
import type { ServiceConfig } from "../../../cloud-runtime/service-deps.js";
import type { Emulators } from "./emulators.js";

export interface UploadWorld {
  storage: Storage;
  out: Bucket;
  pubsub: PubSub;
  topics: { events: Topic; align: Topic; emwrite: Topic; dead: Topic };
}

/** emingest-src, emingest-src2 and emingest-out; the event, align, emwrite and dead-letter topics. */
export async function createUploadWorld(emu: Emulators): Promise<UploadWorld> {
  const storage = storageClient(emu.config);
  await storage.createBucket("emingest-src");
  await storage.createBucket("emingest-src2");
  const [out] = await storage.createBucket("emingest-out");
  const pubsub = pubsubClient(emu.config);
  const [events] = await pubsub.createTopic(emu.env.EMULATOR_EVENT_TOPIC);
  const [align] = await pubsub.createTopic("emingest-align");
  const [emwrite] = await pubsub.createTopic("emingest-emwrite");
  const [dead] = await pubsub.createTopic("emingest-dead");
  return { storage, out, pubsub, topics: { events, align, emwrite, dead } };
}

/** The services' configuration in this world, as Terraform gives it to them (a free port on 127.0.0.1). */
export function worldServiceConfig(emu: Emulators): ServiceConfig {
  return {
    gcp: emu.config,
    policy: { sourceBuckets: ["emingest-src", "emingest-src2"], outputBucket: "emingest-out" },
    topics: { align: "emingest-align", emwrite: "emingest-emwrite" },
    runsCollection: "runs",
    port: 0,
    host: "127.0.0.1",
  };
}

/** The upload function on 127.0.0.1, configured from the environment as deployed; returns its URL and a closer. */
export async function startIngestFunction(
  emu: Emulators,
  workflowsEndpoint: string,
  services: { align: string; emwrite: string },
): Promise<{ url: string; close(): Promise<void> }> {
  Object.assign(process.env, {
    GOOGLE_CLOUD_PROJECT: emu.config.projectId,
    STORAGE_API_ENDPOINT: emu.env.STORAGE_API_ENDPOINT,
    FIRESTORE_EMULATOR_HOST: emu.env.FIRESTORE_EMULATOR_HOST,
    PUBSUB_EMULATOR_HOST: emu.env.PUBSUB_EMULATOR_HOST,
    SOURCE_BUCKETS: "emingest-src,emingest-src2",
    OUTPUT_BUCKET: "emingest-out",
    WORKFLOWS_ENDPOINT: workflowsEndpoint,
    ALIGN_URL: services.align,
    EMWRITE_URL: services.emwrite,
    WORKFLOW_POLL_SECONDS: "1",
  });
  await import("../../../functions/ingest/index.js");
  const { getTestServer } = await import("@google-cloud/functions-framework/testing");
  const server = getTestServer("ingest");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The push subscriptions of terraform/pubsub.tf, with short retry backoffs and a 5-attempt dead letter. */
export async function subscribePipeline(
  world: UploadWorld,
  emu: Emulators,
  urls: { fn: string; align: string; emwrite: string },
  ackDeadlineSeconds: { align: number; emwrite: number } = { align: 60, emwrite: 60 },
): Promise<void> {
  const retryPolicy = { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } };
  const deadLetterPolicy = { deadLetterTopic: world.topics.dead.name, maxDeliveryAttempts: 5 };
  // The Functions Framework turns a raw Pub/Sub push into a CloudEvent when the path names the topic.
  const eventPath = `/projects/${emu.config.projectId}/topics/${emu.env.EMULATOR_EVENT_TOPIC}`;
  const { events, align, emwrite, dead } = world.topics;
  await events.createSubscription("ingest-fn", { pushConfig: { pushEndpoint: `${urls.fn}${eventPath}` }, ackDeadlineSeconds: 60, retryPolicy });
  await align.createSubscription("align-push", { pushConfig: { pushEndpoint: `${urls.align}/` }, ackDeadlineSeconds: ackDeadlineSeconds.align, retryPolicy, deadLetterPolicy });
  await emwrite.createSubscription("emwrite-push", { pushConfig: { pushEndpoint: `${urls.emwrite}/` }, ackDeadlineSeconds: ackDeadlineSeconds.emwrite, retryPolicy, deadLetterPolicy });
  await dead.createSubscription("dead-push", { pushConfig: { pushEndpoint: `${urls.emwrite}/dead-letter` } });
}
