// Starts the emulators a test file needs with scripts/emulators.sh, and stops exactly those process groups
// (the script records one group id per emulator in DIR/pids) when the file's tests end.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { GcpConfig } from "../../../adapters/gcp/clients.js";

const run = promisify(execFile);
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const SCRIPT = path.join(REPO, "scripts", "emulators.sh");

export type EmulatorName = "pubsub" | "firestore" | "gcs" | "workflows";

export interface Emulators {
  env: Record<string, string>;
  config: GcpConfig;
  dir: string;
  startMs: number;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** fake-gcs-server's backend (scripts/emulators.sh EMULATOR_GCS_BACKEND); memory unless said. */
  gcsBackend?: "memory" | "filesystem";
  /** The folder the filesystem backend's root is made in (EMULATOR_GCS_FS_PARENT); the emulators' folder unless said. */
  gcsRootParent?: string;
}

export async function startEmulators(which: readonly EmulatorName[], options: EmulatorOptions = {}): Promise<Emulators> {
  // No metadata server here: keep google-auth from probing for one (and warning) against the emulators.
  process.env.METADATA_SERVER_DETECTION ??= "none";
  const dir = mkdtempSync(path.join(tmpdir(), "emingest-emu-"));
  const started = Date.now();
  try {
    await run("bash", [SCRIPT, "start", dir, String(process.pid)], { env: { ...process.env, EMULATORS: which.join(" "), EMULATOR_GCS_BACKEND: options.gcsBackend ?? "memory", EMULATOR_GCS_FS_PARENT: options.gcsRootParent ?? "" }, maxBuffer: 1 << 24 });
  } catch (error) {
    await run("bash", [SCRIPT, "stop", dir]).catch(() => undefined);
    throw error;
  }
  const startMs = Date.now() - started;
  const env = parseEnv(readFileSync(path.join(dir, "env"), "utf8"));
  let stopped = false;
  return {
    env,
    dir,
    startMs,
    config: {
      projectId: env.EMULATOR_PROJECT,
      storageEndpoint: env.STORAGE_API_ENDPOINT,
      firestoreEmulatorHost: env.FIRESTORE_EMULATOR_HOST,
      pubsubEmulatorHost: env.PUBSUB_EMULATOR_HOST,
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (process.env.EMINGEST_EMULATOR_LOGS) {
        for (const name of which) {
          const log = path.join(dir, `${name}.log`);
          const text = existsSync(log) ? readFileSync(log, "utf8") : "";
          process.stderr.write(`--- ${name}.log (last 400 lines)\n${text.split("\n").slice(-400).join("\n")}\n`);
        }
      }
      await run("bash", [SCRIPT, "stop", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `export NAME=value` lines a script writes to DIR/env (scripts/emulators.sh, scripts/images.sh). */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** Clears every document of the Firestore emulator (its documented reset endpoint). */
export async function resetFirestore(emulators: Emulators): Promise<void> {
  const host = emulators.env.FIRESTORE_EMULATOR_HOST;
  const res = await fetch(`http://${host}/emulator/v1/projects/${emulators.config.projectId}/databases/(default)/documents`, { method: "DELETE" });
  if (!res.ok) throw new Error(`firestore reset: ${res.status}`);
}
