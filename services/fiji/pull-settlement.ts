// What a pulled message's handling means to Pub/Sub: the same rule as push (services/README.md), where a 2xx
// acknowledges and anything else makes Pub/Sub deliver again (with the subscription's backoff, then to the
// dead-letter topic). Pure, so every case is a table row in test/fiji/pull.test.ts.
import type { Settlement } from "../../adapters/gcp/pubsub-pull.js";
import type { Reply } from "../../cloud-runtime/task-delivery.js";

export type PullOutcome =
  /** The shared task handler answered, as it answers a push. */
  | { kind: "handled"; reply: Reply }
  /** Not a task (no JSON, no id/run/stage): parseDelivery refused it. */
  | { kind: "malformed"; error: string }
  /** The handling threw: the run store failed while recording or settling. */
  | { kind: "fault"; error: string }
  /** The instance began shutting down before the job had a slot. */
  | { kind: "not-started" };

export function settlementOf(outcome: PullOutcome): Settlement {
  switch (outcome.kind) {
    case "handled":
      // 2xx: done, already done, or failed for good and recorded; a redelivery could only repeat that.
      return outcome.reply.status >= 200 && outcome.reply.status < 300 ? "ack" : "nack";
    case "malformed":
      // No delivery can turn it into a task, so neither this handler nor the dead-letter one could ever record
      // it: acknowledged (and logged) rather than bounced to the dead-letter topic and refused there again.
      return "ack";
    case "fault":
    case "not-started":
      return "nack";
  }
}
