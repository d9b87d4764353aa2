// `emingest fiji-batch <job-file.json>`: a Distributed-Fiji style job file -> one "fiji" task per request
// (core/fiji/batch.ts), the run created in Firestore, and the tasks not yet recorded published to the fiji
// service's topic. Every request is validated first: a bad one names its job index and field, and nothing is
// published. Re-running the same file publishes nothing that is recorded (done, or failed for good or
// dead-lettered); --retry-failed publishes the failed ones again.
import { promises as fs } from "node:fs";
import type { GcpConfig } from "../adapters/gcp/clients.js";
import { PermanentError } from "../core/errors.js";
import { FIJI_STAGE, pendingFijiTasks, planFijiBatch } from "../core/fiji/batch.js";
import { CommandLineError, splitCommandLine } from "../core/fiji/command-line.js";
import type { FijiPolicy } from "../core/fiji/request.js";
import type { RunStore, TaskQueue } from "../core/ports.js";
import { firestoreRunsAt, pubsubQueueAt } from "./cloud-store.js";
import { parseFlags, UsageError } from "./usage-error.js";

export interface FijiBatchCommand {
  command: "fiji-batch";
  file: string;
  /** The fiji service's task topic (Terraform: <name_prefix>-fiji). */
  topic: string;
  collection: string;
  /** The service's FIJI_BUCKETS; when given, a job naming another bucket is refused here. */
  buckets?: string[];
  /** Executable names of the service's FIJI_EXECUTABLES; when given, another argv[0] is refused here. */
  executables?: string[];
  retryFailed: boolean;
  /** Validate and report what would be published; create and publish nothing. */
  dryRun: boolean;
  json: boolean;
}

export const FIJI_BATCH_USAGE = `  emingest fiji-batch <job-file.json> [--topic T] [--buckets B,..] [--executables fiji,..]
                      [--retry-failed] [--dry-run] [--json]
                                                 fan a fiji job file out to the fiji service; status: emingest status <run>`;

export function parseFijiBatch(args: readonly string[]): FijiBatchCommand {
  const parsed = parseFlags(args, {
        topic: { type: "string" },
        collection: { type: "string" },
        buckets: { type: "string" },
        executables: { type: "string" },
        "retry-failed": { type: "boolean" },
        "dry-run": { type: "boolean" },
        json: { type: "boolean" },
      });
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError("fiji-batch takes one job file (JSON: { run?, jobs: [request, ...] })");
  const list = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const items = text.split(",").map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new UsageError(`${flag} needs a comma-separated list`);
    return items;
  };
  const topic = values.topic ?? "emingest-fiji";
  if (!/^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/.test(topic) || topic.startsWith("goog")) throw new UsageError(`--topic "${topic}" is not a Pub/Sub topic name`);
  return {
    command: "fiji-batch",
    file: positionals[0],
    topic,
    collection: values.collection ?? "runs",
    buckets: list("--buckets", values.buckets),
    executables: list("--executables", values.executables),
    retryFailed: values["retry-failed"] ?? false,
    dryRun: values["dry-run"] ?? false,
    json: values.json ?? false,
  };
}

export interface FijiBatchResult {
  run: string;
  jobs: number;
  /** True when this submission created the run (false: it existed, from an earlier submission). */
  created: boolean;
  published: string[];
  skippedDone: number;
  skippedFailed: number;
  dryRun: boolean;
}

export interface FijiBatchDeps {
  runs: RunStore;
  queue: TaskQueue;
  clock?: () => Date;
}

/** Reads, validates and plans the job file, creates the run, and publishes what is not recorded. */
export async function fijiBatch(cmd: FijiBatchCommand, deps: FijiBatchDeps): Promise<FijiBatchResult> {
  let text: string;
  try {
    text = await fs.readFile(cmd.file, "utf8");
  } catch (error) {
    throw new PermanentError(`${cmd.file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new PermanentError(`${cmd.file}: not valid JSON (${(error as Error).message})`);
  }
  const { run, tasks, jobsHash } = planFijiBatch(file, validationPolicy(file, cmd), cmd.file);
  const existing = await deps.runs.getRun(run);
  const storedHash = (existing?.config as { jobsHash?: unknown } | undefined)?.jobsHash;
  if (existing && storedHash !== jobsHash) {
    throw new PermanentError(
      `${cmd.file}: run "${run}" exists with other jobs (${typeof storedHash === "string" ? `jobs hash ${storedHash.slice(0, 12)}` : "not a fiji batch"}, this file ${jobsHash.slice(0, 12)}): name a new "run"`,
    );
  }
  const recorded = existing ? await deps.runs.listTasks(run, FIJI_STAGE) : [];
  const pending = await pendingFijiTasks(tasks, { listTasks: async () => recorded }, { retryFailed: cmd.retryFailed });
  const ids = new Set(tasks.map((t) => t.id));
  const skippedDone = recorded.filter((r) => r.status === "done" && ids.has(r.id)).length;
  const skippedFailed = tasks.length - pending.length - skippedDone;
  const result = { run, jobs: tasks.length, created: !existing, published: pending.map((t) => t.id), skippedDone, skippedFailed, dryRun: cmd.dryRun };
  if (cmd.dryRun) return result;
  const stamp = (deps.clock?.() ?? new Date()).toISOString();
  if (!existing) {
    await deps.runs.createRun({
      run,
      status: "running",
      config: { kind: "fiji-batch", jobsHash, jobs: tasks.length, file: cmd.file },
      totals: { [FIJI_STAGE]: tasks.length },
      details: {},
      createdAt: stamp,
      updatedAt: stamp,
    });
  } else if (pending.length > 0 && existing.status !== "running") {
    // Failed tasks published again: the run is open until they settle (their new records replace the old).
    await deps.runs.updateRun(run, { status: "running", details: { error: null } });
  }
  if (pending.length > 0) await deps.queue.publish(pending);
  return result;
}

/**
 * The policy the job file is checked against here. The service enforces its own (FIJI_BUCKETS,
 * FIJI_EXECUTABLES); without --buckets/--executables this accepts the buckets and executables the file
 * names, so everything else (fields, file names, gs:// URLs, command syntax) is still checked before publishing.
 */
function validationPolicy(file: unknown, cmd: Pick<FijiBatchCommand, "buckets" | "executables">): FijiPolicy {
  const jobs = (file as { jobs?: unknown } | null)?.jobs;
  const list: unknown[] = Array.isArray(jobs) ? jobs : [];
  const buckets = new Set(cmd.buckets ?? []);
  const executables: Record<string, string> = {};
  for (const name of cmd.executables ?? []) executables[name] = `/${name}`;
  for (const job of list) {
    if (typeof job !== "object" || job === null) continue;
    const j = job as Record<string, unknown>;
    if (!cmd.buckets) {
      for (const field of ["input-map", "output-map"]) {
        const map = j[field];
        if (typeof map !== "object" || map === null) continue;
        for (const url of Object.values(map)) {
          const m = typeof url === "string" ? /^gs:\/\/([^/?#]+)/.exec(url) : null;
          if (m) buckets.add(m[1]);
        }
      }
    }
    if (!cmd.executables && typeof j.command === "string") {
      try {
        const argv0 = splitCommandLine(j.command)[0];
        if (argv0) executables[argv0] = argv0;
      } catch (error) {
        if (!(error instanceof CommandLineError)) throw error;
      }
    }
  }
  return { buckets: [...buckets], executables };
}

export interface FijiBatchIo {
  write(text: string): void;
}

/** The command: Firestore run state, Pub/Sub topic cmd.topic. Returns the exit code. */
export async function fijiBatchCommand(cmd: FijiBatchCommand, gcp: GcpConfig, io: FijiBatchIo): Promise<number> {
  const firestore = await firestoreRunsAt(gcp, cmd.collection);
  const pubsub = await pubsubQueueAt(gcp, { [FIJI_STAGE]: cmd.topic });
  try {
    const r = await fijiBatch(cmd, { runs: firestore.runs, queue: pubsub.queue });
    if (cmd.json) io.write(`${JSON.stringify(r, null, 1)}\n`);
    else {
      const skipped = [r.skippedDone && `${r.skippedDone} already done`, r.skippedFailed && `${r.skippedFailed} failed (--retry-failed runs them again)`].filter(Boolean);
      const verb = r.dryRun ? "would publish" : "published";
      io.write(`run ${r.run}: ${r.jobs} job(s), ${verb} ${r.published.length} to ${cmd.topic}${skipped.length ? `; skipped ${skipped.join(", ")}` : ""}\n`);
      io.write(`progress: emingest status ${r.run}${cmd.collection === "runs" ? "" : ` --collection ${cmd.collection}`}\n`);
    }
    return 0;
  } finally {
    await pubsub.close();
    await firestore.close();
  }
}
