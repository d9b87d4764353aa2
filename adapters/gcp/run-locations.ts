// Where a run's slices and outputs live, and the stores for them. Bucket names come from a request (a
// workflow argument, an upload event) or a run record, so each one is checked against the deployment's
// configured buckets (DESIGN.md "Security": no other buckets than the ones configured).
import { codeVersion } from "../local/code-version.js";
import type { Storage } from "@google-cloud/storage";
import { PermanentError } from "../../core/errors.js";
import { gsUrl, type BucketFolder } from "../../core/gs-url.js";
import type { RunStore } from "../../core/ports.js";
import type { StepDeps } from "../../core/pipeline/deps.js";
import { GcsStore } from "./gcs-store.js";

export interface LocationPolicy {
  /** Buckets slices may be read from. */
  sourceBuckets: readonly string[];
  /** The bucket outputs go to: gs://<outputBucket>/<run>/. */
  outputBucket: string;
}

export class RunLocator {
  constructor(
    private readonly storage: Storage,
    private readonly runs: RunStore,
    private readonly policy: LocationPolicy,
  ) {}

  checkSource(folder: BucketFolder, what: string): BucketFolder {
    if (!this.policy.sourceBuckets.includes(folder.bucket)) {
      throw new PermanentError(`${what}: bucket "${folder.bucket}" is not one of the configured source buckets`);
    }
    return folder;
  }

  sourceStore(folder: BucketFolder): GcsStore {
    return new GcsStore(this.storage.bucket(folder.bucket), { prefix: folder.prefix });
  }

  outFolder(run: string): BucketFolder {
    return { bucket: this.policy.outputBucket, prefix: `${run}/` };
  }

  outStore(run: string): GcsStore {
    const folder = this.outFolder(run);
    return new GcsStore(this.storage.bucket(folder.bucket), { prefix: folder.prefix });
  }

  /** The stores of an existing run, from its record; checked against the policy again. */
  async stepDeps(run: string): Promise<StepDeps> {
    const record = await this.runs.getRun(run);
    if (!record) throw new PermanentError(`run ${run} does not exist`);
    const location = record.details.location;
    if (!location?.source || !location.out) throw new PermanentError(`run ${run} has no recorded location`);
    const source = this.checkSource(location.source, `run ${run}`);
    if (location.out.bucket !== this.policy.outputBucket) {
      throw new PermanentError(`run ${run}: output bucket "${location.out.bucket}" is not the configured one`);
    }
    // A run writes and deletes under its own <run>/ prefix and nowhere else, whatever its record says.
    if (location.out.prefix !== this.outFolder(run).prefix) {
      throw new PermanentError(`run ${run}: output folder "${location.out.prefix}" is not the run's own "${this.outFolder(run).prefix}"`);
    }
    return {
      source: this.sourceStore(source),
      out: this.outStore(run),
      sourceName: gsUrl(source.bucket, source.prefix),
      runs: this.runs,
      codeVersion: codeVersion(),
    };
  }
}
