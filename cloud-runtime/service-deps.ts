// Builds a service's dependencies from its configuration value: the GCP clients, the run locator, the
// queue, and a per-run task router (createTaskRouter over that run's stores, memoised per instance).
import type { Storage } from "@google-cloud/storage";
import { PermanentError } from "../core/errors.js";
import { createTaskRouter, type TaskRouter } from "../core/pipeline/task-router.js";
import { RUN_ID } from "../core/pipeline/manifest.js";
import type { ServiceName } from "../core/pipeline/stages.js";
import { ForeignTaskError } from "../core/pipeline/tasks.js";
import type { RunStore } from "../core/ports.js";
import { firestoreClient, gcpConfigFromEnv, MissingSettingsError, pubsubClient, storageClient, type GcpConfig } from "../adapters/gcp/clients.js";
import { FirestoreRunStore } from "../adapters/gcp/firestore-run-store.js";
import { PubSubQueue, stageTopics } from "../adapters/gcp/pubsub-queue.js";
import { RunLocator, type LocationPolicy } from "../adapters/gcp/run-locations.js";
import type { AppDeps } from "./app.js";
import { CountingRunStore } from "./counting-run-store.js";
import { ServiceProbe } from "./service-probe.js";
import { listenHost } from "./listen-host.js";
import type { Logger } from "./log.js";
import { countingQueue, zeroCounts, type OperationCounts } from "./operation-counts.js";

export interface ServiceConfig {
  gcp: GcpConfig;
  policy: LocationPolicy;
  /** The task topic of each service (core/pipeline/stages.ts: a stage's tasks go to its service's topic). */
  topics: Record<ServiceName, string>;
  /** Firestore collection of runs. */
  runsCollection: string;
  port: number;
  /** HOST, else every interface on Cloud Run (K_SERVICE is set there), else 127.0.0.1 only. */
  host: string;
  /** OPERATION_COUNTS_FILE (benches and tests only): count the ports' billed operations, write them here on stop (operation-counts.ts). */
  countsFile?: string;
  /** EMINGEST_PROBE_FILE: a bench's file for the service's CPU per step (service-probe.ts); unset in production. */
  probeFile?: string;
}

/**
 * Parses the service's environment (the one place that reads it: HOUSE-STYLE.md rule 8). Everything missing
 * or malformed is named in one PermanentError, so a service started without its configuration says so in one
 * line (start.ts).
 */
export function serviceConfigFromEnv(env: Readonly<Record<string, string | undefined>>): ServiceConfig {
  const missing: string[] = [];
  let gcp: GcpConfig | undefined;
  try {
    gcp = gcpConfigFromEnv(env);
  } catch (error) {
    if (!(error instanceof MissingSettingsError)) throw error;
    missing.push(...error.names);
  }
  const need = (name: string): string => {
    const v = env[name];
    if (!v) missing.push(name);
    return v ?? "";
  };
  const sourceBuckets = need("SOURCE_BUCKETS").split(",").map((b) => b.trim()).filter(Boolean);
  const outputBucket = need("OUTPUT_BUCKET");
  if (missing.length > 0 || !gcp) throw new MissingSettingsError(missing);
  return {
    gcp,
    policy: { sourceBuckets, outputBucket },
    topics: { align: env.ALIGN_TOPIC ?? "emingest-align", emwrite: env.EMWRITE_TOPIC ?? "emingest-emwrite" },
    runsCollection: env.RUNS_COLLECTION ?? "runs",
    port: listenPort(env.PORT),
    host: listenHost(env.HOST, env.K_SERVICE),
    ...(env.OPERATION_COUNTS_FILE ? { countsFile: env.OPERATION_COUNTS_FILE } : {}),
    ...(env.EMINGEST_PROBE_FILE ? { probeFile: probeFile(env.EMINGEST_PROBE_FILE, env.K_SERVICE) } : {}),
  };
}

/** The bench's probe runs requests one at a time: a deployed service (K_SERVICE set) refuses it. */
function probeFile(file: string, cloudRunService: string | undefined): string {
  if (cloudRunService) throw new PermanentError(`EMINGEST_PROBE_FILE is a bench setting (it runs one request at a time); unset it on Cloud Run service ${cloudRunService}`);
  return file;
}

function listenPort(text: string | undefined): number {
  if (text === undefined || text === "") return 8080;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new PermanentError(`PORT must be a port number from 0 to 65535, got "${text}"`);
  return port;
}


/** The app's dependencies; with `config.countsFile`, the run store and the queue counted into `counts`; with `config.probeFile`, CPU charged per step. */
export function buildServiceDeps(
  config: ServiceConfig,
  stages: readonly string[],
  log: Logger,
  clients?: { storage?: Storage },
): AppDeps & { counts?: OperationCounts; probe?: ServiceProbe } {
  const storage = clients?.storage ?? storageClient(config.gcp);
  const counts = config.countsFile ? zeroCounts() : undefined;
  const probe = config.probeFile ? new ServiceProbe(config.probeFile) : undefined;
  const firestore: RunStore = new FirestoreRunStore(firestoreClient(config.gcp), config.runsCollection);
  const counted = counts ? new CountingRunStore(firestore, counts.firestore) : firestore;
  const runs = probe ? probe.runs(counted) : counted;
  const located = new RunLocator(storage, runs, config.policy);
  const locator = probe ? probe.locator(located) : located;
  const pubsub = new PubSubQueue(pubsubClient(config.gcp), { topics: stageTopics(config.topics) });
  const queue = counts ? countingQueue(pubsub, counts.pubsub) : pubsub;
  const routes = routerCache(locator, runs);
  const routerFor = probe ? async (run: string) => probe.router(await routes(run)) : routes;
  return { runs, locator, queue, log, stages, routerFor, ...(counts ? { counts } : {}), ...(probe ? { probe } : {}) };
}

/**
 * One router per run, kept for the instance's life (bounded: a service sees few runs at once). A run id that
 * is not one, or names no run, is a ForeignTaskError: its tasks are refused, not recorded.
 */
export function routerCache(locator: RunLocator, runs: Pick<RunStore, "getRun">, max = 16): (run: string) => Promise<TaskRouter> {
  const routers = new Map<string, Promise<TaskRouter>>();
  return (run) => {
    let router = routers.get(run);
    if (!router) {
      router = (async () => {
        if (!RUN_ID.test(run)) throw new ForeignTaskError(`"${run}" is not a run id (${RUN_ID.source})`);
        if (!(await runs.getRun(run))) throw new ForeignTaskError(`run ${run} does not exist`);
        return createTaskRouter(await locator.stepDeps(run));
      })();
      router.catch(() => routers.delete(run));
      if (routers.size >= max) routers.delete(routers.keys().next().value as string);
      routers.set(run, router);
    }
    return router;
  };
}

