// The workflow's start step for a reexport ({"reexportFrom": RUN, "config": {settings to change}}): the new
// run of a finished cloud run's stored alignment, under its own <run>/ prefix beside the finished one (which
// it never writes). The same checks and seed as the local reexport (cli/reexport-command.ts): the finished
// run is done and its ledger whole, only output settings change (core/pipeline/reexport-settings.ts), the
// slices are as it read them; the new run records `reexportFrom`, so its aligning fan-outs publish nothing
// and its plan step takes the seed (core/pipeline/reexport-seed.ts).
import { PermanentError } from "../../core/errors.js";
import type { RunStore } from "../../core/ports.js";
import type { OpenedRun } from "../../core/pipeline/cloud-steps.js";
import { readManifest } from "../../core/pipeline/manifest.js";
import { describeDamage, findDamage, runLedger } from "../../core/pipeline/output-ledger.js";
import { openSeededRun } from "../../core/pipeline/reexport-seed.js";
import { reexportConfig, reexportManifest } from "../../core/pipeline/reexport-settings.js";
import { sliceVersionTags } from "../../core/pipeline/source-versions.js";
import type { RunLocation } from "../../core/run-details.js";
import type { RunLocator } from "./run-locations.js";

export async function startReexportFrom(locator: RunLocator, runs: RunStore, from: string, overrides: unknown): Promise<OpenedRun & { location: RunLocation }> {
  const where = 'workflow argument "config"';
  if (overrides !== undefined && (typeof overrides !== "object" || overrides === null || Array.isArray(overrides))) {
    throw new PermanentError(`${where}: must be a JSON object of the settings to change`);
  }
  const record = await runs.getRun(from);
  if (!record) throw new PermanentError(`reexportFrom: run ${from} does not exist`);
  if (record.status !== "done") throw new PermanentError(`reexportFrom: run ${from} is not finished (${record.status}); only a done run can be reexported`);
  const finished = await locator.stepDeps(from);
  const ledger = await runLedger(runs, record);
  if (!ledger) throw new PermanentError(`reexportFrom: run ${from} recorded no list of its outputs`);
  const damage = await findDamage(finished.out, ledger);
  if (damage.length > 0) throw new PermanentError(`reexportFrom: the output of run ${from} is damaged (${describeDamage(damage[0])}); run it again to repair it first`);
  const previous = await readManifest(finished.out);
  const manifest = reexportManifest(previous, reexportConfig(previous.config, (overrides ?? {}) as Record<string, unknown>, where));
  const current = await sliceVersionTags(finished, previous);
  const stored = record.details.sliceVersions ?? [];
  const changed = previous.slices.filter((_, i) => stored[i] !== current[i]);
  if (changed.length > 0) {
    throw new PermanentError(`${finished.sourceName}/${changed[0].key}: changed since run ${from} was aligned from it; the stored alignment is not its: start a new run`);
  }
  const source = record.details.location?.source;
  if (!source) throw new PermanentError(`run ${from} has no recorded location`);
  const location: RunLocation = { source, out: locator.outFolder(manifest.run) };
  const deps = { ...finished, out: locator.outStore(manifest.run) };
  const opened = await openSeededRun(deps, manifest, { runs, record }, () => new Date(), { location, reexportFrom: from });
  return { run: opened.run, status: opened.status, slices: manifest.slices.length, skipAlign: manifest.config.skipAlign, location };
}
