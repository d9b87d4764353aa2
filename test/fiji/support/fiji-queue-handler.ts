// WorkerQueue handler module for test/fiji/batch.test.ts: "fiji" tasks run by the real core router over
// directory buckets (adapters/local/dir-bucket-io.ts) and the process sandbox.
import { dirBucketIO } from "../../../adapters/local/dir-bucket-io.js";
import { ProcessSandbox, type SandboxOptions } from "../../../adapters/process/fiji-sandbox.js";
import { fijiTaskRouter } from "../../../core/fiji/batch.js";
import { downsampleImageFile } from "../../../core/fiji/downsample.js";
import type { FijiPolicy } from "../../../core/fiji/request.js";
import type { TaskMessage } from "../../../core/ports.js";

export interface FijiWorkerData {
  buckets: string;
  sandbox: SandboxOptions;
  policy: FijiPolicy;
}

export function createTaskHandler(data: unknown): (task: TaskMessage) => Promise<unknown> {
  const { buckets, sandbox, policy } = data as FijiWorkerData;
  return fijiTaskRouter({ io: dirBucketIO(buckets), sandbox: new ProcessSandbox(sandbox), downsample: downsampleImageFile }, policy);
}
