// Shared by the batch tests on the emulators (batch-cloud.test.ts: push, pull-cloud.test.ts: pull): the
// Pub/Sub wiring terraform/pubsub.tf deploys, `emingest fiji-batch` against the emulators, and polling.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import type { Firestore } from "@google-cloud/firestore";
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { firestoreClient, pubsubClient, storageClient, type GcpConfig } from "../../../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../../../adapters/gcp/firestore-run-store.js";
import { fijiBatchCommand, parseFijiBatch } from "../../../cli/fiji-batch-command.js";
import { startEmulators, type Emulators } from "../../cloud/support/emulators.js";
import { installImageJ, scratchRoot } from "./imagej.js";

/** What a batch test on the emulators stands on: emulators, clients, a run store, ImageJ, an input in a bucket. */
export interface BatchWorld {
  emu: Emulators;
  storage: Storage;
  db: Firestore;
  pubsub: PubSub;
  runs: FirestoreRunStore;
  jar: string;
  scratch: string;
  work: string;
  /** A noise PNG stored at gs://<bucket>/in/z0.png. */
  input: Buffer;
  /** Closes the clients, stops the emulators it started and removes its folders. */
  close(): Promise<void>;
}

export async function startBatchWorld(bucket: string, collection: string, noise: [number, number, number]): Promise<BatchWorld> {
  const [installed, emu] = await Promise.all([installImageJ(), startEmulators(["pubsub", "firestore", "gcs"])]);
  process.stderr.write(`# imagej.sh ${installed.ms} ms, emulators ${emu.startMs} ms\n`);
  const storage = storageClient(emu.config);
  const db = firestoreClient(emu.config);
  const pubsub = pubsubClient(emu.config);
  await storage.createBucket(bucket);
  const input = await noisePng(...noise);
  await storage.bucket(bucket).file("in/z0.png").save(input);
  const scratch = scratchRoot();
  const work = mkdtempSync(path.join(tmpdir(), "fiji-batch-"));
  const close = async (): Promise<void> => {
    await pubsub.close();
    await db.terminate();
    await emu.stop();
    for (const dir of [scratch, work]) rmSync(dir, { recursive: true, force: true });
  };
  return { emu, storage, db, pubsub, runs: new FirestoreRunStore(db, collection), jar: installed.jar, scratch, work, input, close };
}

export type TaskDelivery = { push: { ackDeadlineSeconds: number } } | { pull: { ackDeadlineSeconds: number } };

/**
 * The topic, its dead-letter topic pushed to `${serviceUrl}/dead-letter`, and the task subscription: pushed to
 * `${serviceUrl}/tasks`, or pulled (no push endpoint). 5 delivery attempts, 1 s backoff, as tests can afford.
 */
export async function taskSubscriptions(pubsub: PubSub, topicName: string, serviceUrl: string, delivery: TaskDelivery): Promise<{ subscription: string }> {
  const [topic] = await pubsub.createTopic(topicName);
  const [dead] = await pubsub.createTopic(`${topicName}-dead-letter`);
  await dead.createSubscription(`${topicName}-dead-letter-push`, { pushConfig: { pushEndpoint: `${serviceUrl}/dead-letter` } });
  const common = {
    deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 },
    retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 1 } },
  };
  const [subscription] =
    "push" in delivery
      ? await topic.createSubscription(`${topicName}-push`, { ...common, pushConfig: { pushEndpoint: `${serviceUrl}/tasks` }, ackDeadlineSeconds: delivery.push.ackDeadlineSeconds })
      : await topic.createSubscription(`${topicName}-pull`, { ...common, ackDeadlineSeconds: delivery.pull.ackDeadlineSeconds });
  return { subscription: subscription.name };
}

/** `emingest fiji-batch ARGS --topic T --collection C --json` against the emulators: exit code and output. */
export function fijiBatchCli(config: GcpConfig, topic: string, collection: string): (args: string[]) => Promise<{ code: number; out: string }> {
  return async (args) => {
    const out: string[] = [];
    const code = await fijiBatchCommand(parseFijiBatch([...args, "--topic", topic, "--collection", collection, "--json"]), config, { write: (t) => out.push(t) });
    return { code, out: out.join("") };
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** An 8-bit grey PNG of seeded noise (odd sizes: edges matter). */
export async function noisePng(width: number, height: number, seed: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height);
  let s = seed;
  for (let i = 0; i < px.length; i++) px[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return sharp(px, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png().toBuffer();
}

/** Whether `output` is `input` inverted (255 - v) at every pixel, decoded independently of ImageJ. */
export async function isInverted(input: Buffer, output: Buffer): Promise<boolean> {
  const src = await sharp(input).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  const out = await sharp(output).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  if (out.info.width !== src.info.width || out.info.height !== src.info.height) return false;
  return src.data.every((v, i) => out.data[i] === 255 - v);
}
