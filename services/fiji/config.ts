// The fiji service's configuration, parsed once from (env) at start-up (HOUSE-STYLE.md rule 8).
import { isAbsolute, normalize } from "node:path";
import type { FijiPolicy } from "../../core/fiji/request.js";
import type { SandboxOptions } from "../../adapters/process/fiji-sandbox.js";
import { listenHost } from "../../cloud-runtime/listen-host.js";

export interface FijiServiceConfig {
  policy: FijiPolicy;
  sandbox: SandboxOptions;
  /** Jobs run at once per instance; a request beyond that gets 429 (Cloud Run: set --concurrency to match). */
  maxJobs: number;
  /** Batch tasks also pulled from a subscription (FIJI_PULL_SUBSCRIPTION); undefined: push only. */
  pull?: FijiPullConfig;
  port: number;
  host: string;
}

export interface FijiPullConfig {
  /** "projects/P/subscriptions/S", or an id in GOOGLE_CLOUD_PROJECT. */
  subscription: string;
  /** A message's lease is extended this long at most, from its receipt; then Pub/Sub delivers it again. */
  maxExtensionSeconds: number;
  /** Longest single extension: a lost instance's messages come back this soon, for one modAck per period. */
  maxAckDeadlineSeconds: number;
}

/** Moving inputs and outputs is outside FIJI_TIMEOUT_SECONDS (it bounds only the command). */
const TRANSFER_MARGIN_SECONDS = 600;
/** A folder of the service's own (made 0711 at start-up when missing), never a shared temp dir. */
export const DEFAULT_SCRATCH_ROOT = "/var/lib/emingest/fiji-scratch";
const SUBSCRIPTION = /^(projects\/[a-z][a-z0-9.:-]*\/subscriptions\/)?[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/;

export function fijiConfigFromEnv(env: Readonly<Record<string, string | undefined>>): FijiServiceConfig {
  const list = (name: string) => (env[name] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const int = (name: string, fallback: number, min = 0) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min) throw new Error(`${name}="${raw}" must be an integer >= ${min}`);
    return Number(raw);
  };
  const buckets = list("FIJI_BUCKETS");
  if (buckets.length === 0) throw new Error("FIJI_BUCKETS is not set (the buckets input-map and output-map may name)");
  const executables: Record<string, string> = {};
  for (const pair of list("FIJI_EXECUTABLES")) {
    const [name, file] = pair.split("=", 2);
    if (!name || !file || !isAbsolute(file)) throw new Error(`FIJI_EXECUTABLES: "${pair}" must be NAME=/absolute/path`);
    executables[name] = file;
  }
  if (Object.keys(executables).length === 0) throw new Error("FIJI_EXECUTABLES is not set (e.g. fiji=/opt/fiji/ImageJ-linux64,java=/usr/bin/java)");
  // Jobs always run as an unprivileged user of their own: the sandbox drops to it (adapters/process/fiji-jail.ts).
  const m = /^([0-9]+):([0-9]+)$/.exec(env.FIJI_RUN_AS ?? "");
  if (!m) throw new Error(`FIJI_RUN_AS="${env.FIJI_RUN_AS ?? ""}" must be UID:GID of the unprivileged user jobs run as (e.g. 10001:10001)`);
  const runAs = { uid: Number(m[1]), gid: Number(m[2]) };
  if (runAs.uid === 0 || runAs.gid === 0) throw new Error(`FIJI_RUN_AS="${env.FIJI_RUN_AS}": jobs may not run as root or in group 0`);
  const timeoutSeconds = int("FIJI_TIMEOUT_SECONDS", 3600, 1);
  const readOnlyPaths = list("FIJI_READ_ONLY_PATHS");
  for (const p of readOnlyPaths) {
    if (!isAbsolute(p) || normalize(p) !== p || p === "/") throw new Error(`FIJI_READ_ONLY_PATHS: "${p}" must be an absolute, normalised path other than /`);
  }
  let pull: FijiPullConfig | undefined;
  if (env.FIJI_PULL_SUBSCRIPTION) {
    const subscription = env.FIJI_PULL_SUBSCRIPTION;
    if (!SUBSCRIPTION.test(subscription)) throw new Error(`FIJI_PULL_SUBSCRIPTION="${subscription}" must be projects/PROJECT/subscriptions/ID or an ID`);
    // The lease must outlive the job, or the job is delivered, and run, twice: two jobs' worth, since a message
    // may first wait for a slot an HTTP job holds (services/fiji/job-slots.ts), then run its own.
    pull = { subscription, maxExtensionSeconds: 2 * (timeoutSeconds + TRANSFER_MARGIN_SECONDS), maxAckDeadlineSeconds: 60 };
  }
  return {
    policy: { buckets, executables, maxInlineBytes: int("FIJI_MAX_INLINE_BYTES", 4 * 1024 * 1024, 1), maxFiles: int("FIJI_MAX_FILES", 256, 1) },
    sandbox: {
      root: env.FIJI_SCRATCH_ROOT || DEFAULT_SCRATCH_ROOT,
      runAs,
      timeoutMs: timeoutSeconds * 1000,
      javaHeapMb: int("FIJI_JAVA_HEAP_MB", 2048),
      addressSpaceMb: int("FIJI_ADDRESS_SPACE_MB", 0),
      xvfb: env.FIJI_XVFB === "1" || env.FIJI_XVFB === "true",
      maxLogBytes: int("FIJI_MAX_LOG_BYTES", 1024 * 1024, 1),
      readOnlyPaths,
    },
    maxJobs: int("FIJI_MAX_JOBS", 1, 1),
    pull,
    port: int("PORT", 8080),
    host: listenHost(env.HOST, env.K_SERVICE),
  };
}
