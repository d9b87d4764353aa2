#!/usr/bin/env node
// The `emingest` command: parse, dispatch, map errors to exit codes (0 ok, 1 failed run or bad input, 2 usage).
import { parseCommand, UsageError, USAGE } from "./options.js";
import { parseFaultPlan } from "./fault-plan.js";
import { Progress } from "./progress.js";
import { runCommand } from "./run-command.js";
import { sampleCommand } from "./sample-command.js";
import { neuroglancerUrl, startServer } from "./serve.js";
import { fijiBatchCommand } from "./fiji-batch-command.js";
import { statusCommand } from "./status-command.js";
import { submitCommand } from "./submit-command.js";
import { gcpConfigFromEnv } from "../adapters/gcp/clients.js";

async function main(argv: readonly string[]): Promise<number> {
  const cmd = parseCommand(argv);
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
    case "sample": {
      const written = await sampleCommand(cmd);
      console.log(`wrote ${written.count} slices of ${cmd.width}x${cmd.height} to ${cmd.dir} (ground truth: ${written.truthFile})`);
      return 0;
    }
    case "status":
      return statusCommand(cmd, gcpConfigFromEnv(process.env), { write: (t) => process.stdout.write(t), isTTY: process.stdout.isTTY });
    case "submit": {
      const r = await submitCommand(cmd, gcpConfigFromEnv(process.env), (line) => console.error(line));
      console.log(`submitted ${r.slices} slices to ${r.target}`);
      return 0;
    }
    case "fiji-batch":
      return fijiBatchCommand(cmd, gcpConfigFromEnv(process.env), { write: (t) => process.stdout.write(t) });
    case "serve": {
      const { url } = await startServer(cmd);
      console.log(`serving ${cmd.dir} at ${url}`);
      console.log(`open in neuroglancer: ${neuroglancerUrl(url)}`);
      return await new Promise<number>(() => undefined);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`emingest: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`emingest: ${message}`);
    if (!(error instanceof Error && (error.name === "PermanentError" || error.name === "RunFailedError"))) {
      console.error(error instanceof Error ? error.stack : "");
    }
    process.exit(1);
  },
);
