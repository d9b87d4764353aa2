#!/usr/bin/env node
// The `emingest` command: parse, dispatch, map errors to one line and an exit code (0 ok, 1 failed run, bad
// input or a condition of the machine, 2 usage): failure.ts.
import { failureReport, takeDebugFlag } from "./failure.js";
import { parseCommand, USAGE } from "./options.js";
import { parseFaultPlan } from "./fault-plan.js";
import { planCommand } from "./plan-command.js";
import { Progress } from "./progress.js";
import { reexportCommand } from "./reexport-command.js";
import { runCommand } from "./run-command.js";
import { sampleCommand } from "./sample-command.js";
import { serveCommand } from "./serve.js";
import { fijiBatchCommand } from "./fiji-batch-command.js";
import { statusCommand } from "./status-command.js";
import { submitCommand } from "./submit-command.js";
import type { GcpConfig } from "../adapters/gcp/clients.js";
import { nameFailure } from "../adapters/local/os-error.js";

/** The cloud configuration; its module (and the Google Cloud clients) load only for a command that talks to the cloud. */
async function gcpConfig(): Promise<GcpConfig> {
  const { gcpConfigFromEnv } = await import("../adapters/gcp/clients.js");
  return gcpConfigFromEnv(process.env);
}

async function main(argv: readonly string[]): Promise<number> {
  const cmd = parseCommand(argv, process.env);
  switch (cmd.command) {
    case "help":
      console.log(USAGE);
      return 0;
    case "run": {
      const progress = new Progress({ isTTY: process.stderr.isTTY, write: (t) => process.stderr.write(t) });
      const result = await runCommand(cmd, progress, parseFaultPlan(process.env));
      if (cmd.json) console.log(JSON.stringify(result, null, 1));
      else {
        const s = result.summary;
        console.log(`run ${result.run} done: ${s.volume.size.join("x")} voxels, ${s.scales} scales, ${s.objects} objects`);
        if (s.substitutions.length > 0) console.log(`${s.substitutions.length} bad slice(s) stood in for by a neighbour: see report/summary.json`);
        console.log(`view it: emingest serve ${cmd.out}`);
      }
      return 0;
    }
    case "reexport": {
      const progress = new Progress({ isTTY: process.stderr.isTTY, write: (t) => process.stderr.write(t) });
      const result = await reexportCommand(cmd, progress, parseFaultPlan(process.env));
      if (cmd.json) console.log(JSON.stringify(result, null, 1));
      else if (result.run !== result.from) {
        const s = result.summary;
        console.log(`run ${result.from} reexported as run ${result.run}: ${s.volume.size.join("x")} voxels, ${s.scales} scales, ${s.objects} objects`);
        console.log(`view it: emingest serve ${cmd.out}`);
      }
      return 0;
    }
    case "sample": {
      const written = await sampleCommand(cmd).catch((error: unknown) => {
        throw nameFailure(error, cmd.dir);
      });
      console.log(`wrote ${written.count} slices of ${cmd.width}x${cmd.height} to ${cmd.dir} (ground truth: ${written.truthFile})`);
      return 0;
    }
    case "status":
      return statusCommand(cmd, await gcpConfig(), { write: (t) => process.stdout.write(t), isTTY: process.stdout.isTTY });
    case "submit": {
      const r = await submitCommand(cmd, await gcpConfig(), (line) => console.error(line));
      console.log(`submitted ${r.slices} slices to ${r.target}`);
      return 0;
    }
    case "fiji-batch":
      return fijiBatchCommand(cmd, await gcpConfig(), { write: (t) => process.stdout.write(t) });
    case "plan": {
      const result = await planCommand(cmd, gcpConfig, (line) => console.error(line));
      if (cmd.json) console.log(JSON.stringify(result.plan ?? result.calibration, null, 1));
      else for (const line of result.lines) console.log(line);
      return 0;
    }
    case "serve": {
      await serveCommand(cmd, (line) => console.log(line), (line) => console.error(line));
      return await new Promise<number>(() => undefined);
    }
  }
}

const { debug, args } = takeDebugFlag(process.argv.slice(2));
const fail = (error: unknown): never => {
  const report = failureReport(error, debug);
  for (const line of report.lines) console.error(line);
  process.exit(report.exitCode);
};
// A failure outside main's promise chain (a callback, a stream) is reported the same way.
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
main(args).then((code) => process.exit(code), fail);
