// Starting a run from a bucket folder: read and validate its ingest.json (or a config given inline), then
// enumerate, write the manifest and create the run (core/pipeline/cloud-steps.ts). Shared by the upload
// function and the workflow's start step, so both entries start the same run from the same folder.
import { CONFIG_FILE, parseIngestConfig } from "../../core/config.js";
import { PermanentError, RetryableError } from "../../core/errors.js";
import type { RunStore } from "../../core/ports.js";
import { openCloudRun, type OpenedRun } from "../../core/pipeline/cloud-steps.js";
import { gsUrl, type BucketFolder } from "../../core/gs-url.js";
import type { RunLocation } from "../../core/run-details.js";
import type { RunLocator } from "./run-locations.js";

export async function startRunFrom(
  locator: RunLocator,
  runs: RunStore,
  folder: BucketFolder,
  inlineConfig?: unknown,
  /** "retryable" when an upload event says the config exists (a listing may lag the event). */
  missingConfig: "permanent" | "retryable" = "permanent",
): Promise<OpenedRun & { location: RunLocation }> {
  const source = locator.checkSource(folder, "source");
  const store = locator.sourceStore(source);
  const where = gsUrl(source.bucket, `${source.prefix}${CONFIG_FILE}`);
  let raw: unknown = inlineConfig;
  let named = "workflow argument \"config\"";
  if (raw === undefined) {
    named = where;
    const bytes = await store.get(CONFIG_FILE);
    if (!bytes) {
      if (missingConfig === "retryable") throw new RetryableError(`${where}: not found (yet)`);
      throw new PermanentError(`${where}: not found`);
    }
    try {
      raw = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new PermanentError(`${where}: not valid JSON (${(error as Error).message})`);
    }
  }
  const config = parseIngestConfig(raw, named);
  let location: RunLocation | undefined;
  const opened = await openCloudRun(
    { source: store, sourceName: gsUrl(source.bucket, source.prefix), runs, outFor: (run) => locator.outStore(run) },
    config,
    (run) => {
      location = { source, out: locator.outFolder(run) };
      return { location };
    },
  );
  return { ...opened, location: location ?? { source, out: locator.outFolder(opened.run) } };
}
