// TaskQueue on Pub/Sub: each task is one message whose data is the task's JSON, unchanged (HOUSE-STYLE.md
// rule 5), with run, stage and id as attributes for filtering and logs. A stage maps to the topic the
// pipeline's table names for it (core/pipeline/stages.ts). Delivery to the services is by push subscription;
// at-least-once, so every handler is idempotent.
import type { PubSub, Topic } from "@google-cloud/pubsub";
import { FAN_OUT, type ServiceName } from "../../core/pipeline/stages.js";
import type { TaskMessage, TaskQueue } from "../../core/ports.js";

export interface PubSubQueueOptions {
  /** Topic name per stage. */
  topics: Readonly<Record<string, string>>;
  /** Messages per publish batch (Pub/Sub allows 1000 and 10 MB per request). */
  batchSize?: number;
}

export class PubSubQueue implements TaskQueue {
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly options: PubSubQueueOptions,
  ) {}

  private topic(stage: string): Topic {
    const name = this.options.topics[stage];
    if (!name) throw new Error(`no Pub/Sub topic is configured for stage "${stage}"`);
    let topic = this.topics.get(name);
    if (!topic) {
      topic = this.pubsub.topic(name, {
        batching: { maxMessages: this.options.batchSize ?? 500, maxMilliseconds: 20 },
      });
      this.topics.set(name, topic);
    }
    return topic;
  }

  async publish(tasks: readonly TaskMessage[]): Promise<void> {
    // The client batches concurrent publishes; awaiting all of them makes publish() resolve only once
    // every message is accepted, so a caller that records "published" never loses one.
    await Promise.all(
      tasks.map((task) =>
        this.topic(task.stage).publishMessage({
          data: Buffer.from(JSON.stringify(task)),
          attributes: { run: task.run, stage: task.stage, id: task.id },
        }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.topics.values()].map((t) => t.flush()));
  }
}

/** The deployment's stage -> topic name map, from the topic name of each service's topic. */
export function stageTopics(topics: Readonly<Record<ServiceName, string>>): Record<string, string> {
  return Object.fromEntries(FAN_OUT.map((stage) => [stage.name, topics[stage.topic]]));
}
