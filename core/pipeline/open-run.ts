// Opening a run, the same for both drivers (sequence.ts locally, cloud-steps.ts for the workflow's start
// step): the manifest is written once and an output that holds another run is refused; the run record is
// created (an existing one wins); and no slice may have changed since a finished task read it.
import { PermanentError } from "../errors.js";
import type { RunRecord } from "../ports.js";
import type { RunDetails } from "../run-details.js";
import type { StepDeps } from "./deps.js";
import { keys } from "./keys.js";
import { writeJson, type RunManifest } from "./manifest.js";
import { checkSlicesUnchanged } from "./source-versions.js";

/** `details` is stored on a new run only. */
export async function openRun(deps: StepDeps, manifest: RunManifest, details: RunDetails, now: () => Date): Promise<RunRecord> {
  const existing = await deps.out.get(keys.manifest);
  if (existing) {
    const previous = JSON.parse(new TextDecoder().decode(existing)) as RunManifest;
    if (previous.run !== manifest.run) {
      throw new PermanentError(
        `the output of run ${manifest.run} already holds run ${previous.run}, made from other slices or settings; choose another output or delete it`,
      );
    }
  } else {
    await writeJson(deps.out, keys.manifest, manifest);
  }
  const stamp = now().toISOString();
  const record = await deps.runs.createRun({
    run: manifest.run,
    status: "enumerating",
    config: manifest.config,
    totals: { slices: manifest.slices.length },
    details,
    createdAt: stamp,
    updatedAt: stamp,
  });
  await checkSlicesUnchanged(deps, record, manifest);
  return record;
}
