// The billed operations one service instance makes through its ports, counted when its configuration asks
// (OPERATION_COUNTS_FILE, service-deps.ts): Firestore reads and writes by the RunStore decorator
// (counting-run-store.ts), Pub/Sub publishes and the bytes of their task JSON (what a message's data holds,
// adapters/gcp/pubsub-queue.ts) by the queue decorator below. The instance writes them to the file when it
// stops (start.ts, on SIGTERM, after its last request), so a driver that started several instances sums
// their files (test/cloud/support/scale-world.ts). GCS requests are counted outside the instance, by a proxy
// in front of the bucket endpoint, and the HTTP requests by the front the instances sit behind.
import { renameSync, writeFileSync } from "node:fs";
import type { TaskMessage, TaskQueue } from "../core/ports.js";
import { zeroFirestore, type FirestoreCounts } from "./counting-run-store.js";

export interface PubSubCounts {
  messages: number;
  bytes: number;
  /** Bytes of the largest message. */
  largest: number;
  byStage: Record<string, number>;
}

export interface OperationCounts {
  firestore: FirestoreCounts;
  pubsub: PubSubCounts;
}

export const zeroCounts = (): OperationCounts => ({ firestore: zeroFirestore(), pubsub: { messages: 0, bytes: 0, largest: 0, byStage: {} } });

/** Publishes through `inner`, counting each message and the bytes of its data (the task's JSON). */
export function countingQueue(inner: TaskQueue, counts: PubSubCounts): TaskQueue {
  const publish = async (tasks: readonly TaskMessage[]): Promise<void> => {
    await inner.publish(tasks);
    // Counted once accepted: a publish that failed is retried by its caller and billed then.
    for (const t of tasks) {
      const bytes = Buffer.byteLength(JSON.stringify(t));
      counts.messages++;
      counts.bytes += bytes;
      counts.largest = Math.max(counts.largest, bytes);
      counts.byStage[t.stage] = (counts.byStage[t.stage] ?? 0) + 1;
    }
  };
  return { publish };
}

/** Writes the counts as JSON, whole or not at all (a temporary file renamed over the name). */
export function writeCounts(file: string, counts: OperationCounts): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(counts));
  renameSync(`${file}.tmp`, file);
}
