// Peak resident memory while a stretch of work runs, sampled from a second thread (the measured thread may sit
// in native code for seconds). The sampler writes the highest RSS seen since the last reset into shared memory.
import { Worker } from "node:worker_threads";

const SAMPLER = `
const { workerData } = require("node:worker_threads");
const peak = new Float64Array(workerData.buffer);
setInterval(() => { const rss = process.memoryUsage.rss(); if (rss > peak[0]) peak[0] = rss; }, workerData.everyMs);
`;

export class RssSampler {
  private readonly peak: Float64Array;
  private readonly worker: Worker;

  constructor(everyMs = 5) {
    const buffer = new SharedArrayBuffer(8);
    this.peak = new Float64Array(buffer);
    this.worker = new Worker(SAMPLER, { eval: true, workerData: { buffer, everyMs } });
    this.worker.unref();
  }

  /** Starts a new stretch: the peak is the current RSS. */
  reset(): void {
    this.peak[0] = process.memoryUsage.rss();
  }

  /** Highest RSS (bytes) since the last reset, including now. */
  read(): number {
    return Math.max(this.peak[0], process.memoryUsage.rss());
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
