// The node flags the task services (align, emwrite) run with: on Cloud Run (services/Dockerfile's CMD; the
// wiring and image tests hold it to this list) and wherever a test or bench starts them as Cloud Run does
// (serviceNodeArgs).
// --single-threaded-gc: V8 collects on the thread that allocates instead of in helper threads. An instance
// runs two tasks on its two vCPUs (Terraform: cpu 2, concurrency 2), so the helpers had no idle core to use;
// they only added CPU: the 1 GB bench stack through the emulated cloud took 44.4-50.2 CPU-s in the services
// with it against 57.5-65.5 without (BENCHMARKS.md "The orchestration overhead", 2026-12-02). It is not
// allowed in NODE_OPTIONS, so it is on the command line; set at run time (v8.setFlagsFromString) it crashed
// V8 in the main thread's next collection.
import { fileURLToPath } from "node:url";
import type { ServiceName } from "../core/pipeline/stages.js";

export const SERVICE_NODE_FLAGS: readonly string[] = ["--single-threaded-gc"];

/** node's arguments for a task service started as Cloud Run starts it: the flags, then this build's wiring file. */
export function serviceNodeArgs(name: ServiceName): string[] {
  return [...SERVICE_NODE_FLAGS, fileURLToPath(new URL(`../services/${name}/server.js`, import.meta.url))];
}
