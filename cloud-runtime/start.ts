// Starts a task service (services/align, services/emwrite): configuration from the environment, adapters, the
// shared app running the stages the pipeline's table gives the service (core/pipeline/stages.ts), a listener. A service that cannot start (its configuration incomplete, its port taken) says
// why in one line on stderr and exits 1; it never stops with a stack trace for an ordinary condition.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage, PermanentError } from "../core/errors.js";
import { stagesRunBy, type ServiceName } from "../core/pipeline/stages.js";
import { osCondition, osConditionLine } from "../adapters/local/os-error.js";
import { createApp } from "./app.js";
import { jsonLogger } from "./log.js";
import { writeCounts } from "./operation-counts.js";
import { buildServiceDeps, serviceConfigFromEnv, type ServiceConfig } from "./service-deps.js";

export interface StartIo {
  stdout: (text: string) => unknown;
  stderr: (text: string) => unknown;
  exit: (code: number) => void;
}

const processIo: StartIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

export function startService(name: ServiceName, env: Readonly<Record<string, string | undefined>>, io: StartIo = processIo): void {
  const stop = (error: unknown) => {
    io.stderr(`${name}: not started: ${startFailure(error)}\n`);
    io.exit(1);
  };
  let config: ServiceConfig;
  try {
    config = serviceConfigFromEnv(env);
  } catch (error) {
    return stop(error);
  }
  const log = jsonLogger(io.stdout, name);
  const deps = buildServiceDeps(config, stagesRunBy(name), log);
  const app = createApp(deps);
  const server = createServer(deps.probe ? deps.probe.serialize(app) : app);
  server.once("error", stop);
  server.listen(config.port, config.host, () => {
    const { address, port } = server.address() as AddressInfo;
    log("INFO", `${name} listening on ${address}:${port}`, { address, port });
  });
  // Cloud Run sends SIGTERM and waits 10 s: finish the requests in flight, drop idle keep-alive connections.
  // Counted operations are written once the last request has ended, so the file holds them all.
  process.on("SIGTERM", () => {
    server.close(() => {
      if (config.countsFile && deps.counts) writeCounts(config.countsFile, deps.counts);
      deps.probe?.write();
      io.exit(0);
    });
    server.closeIdleConnections();
  });
}

/** One line: what is missing or wrong, or the condition of the machine (a port in use) with its address. A bug keeps its stack. */
function startFailure(error: unknown): string {
  if (error instanceof PermanentError) return error.message;
  const condition = osCondition(error);
  if (condition) return osConditionLine(condition);
  return error instanceof Error && error.stack ? error.stack : errorMessage(error);
}
