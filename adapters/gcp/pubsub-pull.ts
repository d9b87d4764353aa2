// A streaming-pull subscriber for work that outlives a push subscription's 600 s ack deadline: the client
// keeps extending each message's lease while its handler runs (up to maxExtensionSeconds from receipt), so
// Pub/Sub does not deliver it again meanwhile. The handler decides ack or nack; the subscription's retry and
// dead-letter policies then apply exactly as they do to push.
import { Duration, SubscriptionCloseBehaviors, type Message, type PubSub, type SubscriberOptions } from "@google-cloud/pubsub";

export type Settlement = "ack" | "nack";

export interface PulledMessage {
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** Counted by Pub/Sub when the subscription has a dead-letter policy; 0 otherwise. */
  deliveryAttempt: number;
}

/** `signal` aborts when stop() begins: a handler that has not started its work should answer "nack". */
export type PullHandler = (message: PulledMessage, signal: AbortSignal) => Promise<Settlement>;

export interface PullOptions {
  /** Messages handed out at once (client flow control, and the stream's server-side flow control). */
  maxMessages: number;
  /** How long a message's lease is extended, from its receipt; past it, Pub/Sub delivers it again. */
  maxExtensionSeconds: number;
  /** Bounds of each extension (the client picks the 99th percentile of handling times within them). */
  minAckDeadlineSeconds?: number;
  maxAckDeadlineSeconds?: number;
  /** Errors of the stream (a missing subscription, a refused permission) and of handlers. */
  onError(error: unknown): void;
  /** After the stream ends on an error the client does not retry itself: pull again this much later. */
  reopenAfterMs?: number;
}

export interface PullSubscriber {
  /**
   * Stops pulling at once; handlers are signalled (not-started work nacks), running ones get up to graceMs to
   * settle; whatever is still unsettled then is nacked, so Pub/Sub delivers it again after its backoff.
   */
  stop(graceMs: number): Promise<void>;
}

export function startPullSubscriber(pubsub: PubSub, subscription: string, handle: PullHandler, options: PullOptions): PullSubscriber {
  const stopping = new AbortController();
  const seconds = (s: number) => Duration.from({ seconds: s });
  const settings: SubscriberOptions = {
    // No excess: a batch larger than maxMessages waits, leased, inside the client instead of reaching handle().
    flowControl: { maxMessages: options.maxMessages, allowExcessMessages: false },
    maxExtensionTime: seconds(options.maxExtensionSeconds),
    ...(options.minAckDeadlineSeconds ? { minAckDeadline: seconds(options.minAckDeadlineSeconds) } : {}),
    ...(options.maxAckDeadlineSeconds ? { maxAckDeadline: seconds(options.maxAckDeadlineSeconds) } : {}),
    // When the stream fails for good, the client closes: running handlers keep their leases until they settle
    // (a nack now would have the message delivered again while its work still runs). stop() shortens this.
    closeOptions: { behavior: SubscriptionCloseBehaviors.WaitForProcessing, timeout: seconds(options.maxExtensionSeconds) },
  };
  const sub = pubsub.subscription(subscription, settings);
  let reopen: NodeJS.Timeout | undefined;
  let closed = Promise.resolve();
  let markClosed = () => {};

  sub.on("error", (error: unknown) => options.onError(error));
  sub.on("close", () => {
    markClosed();
    if (!stopping.signal.aborted) reopen = setTimeout(() => open(), options.reopenAfterMs ?? 30_000);
  });
  const onMessage = (message: Message) => {
    const pulled: PulledMessage = { id: message.id, data: message.data, attributes: message.attributes ?? {}, deliveryAttempt: message.deliveryAttempt };
    handle(pulled, stopping.signal).then(
      (settlement) => (settlement === "ack" ? message.ack() : message.nack()),
      (error: unknown) => {
        options.onError(error);
        message.nack();
      },
    );
  };
  const open = () => {
    closed = new Promise((resolve) => (markClosed = resolve));
    if (sub.listenerCount("message") === 0) sub.on("message", onMessage);
    else sub.open();
  };
  open();

  return {
    async stop(graceMs) {
      stopping.abort(new Error("the subscriber is stopping"));
      clearTimeout(reopen);
      if (sub.isOpen) {
        sub.setOptions({ ...settings, closeOptions: { behavior: SubscriptionCloseBehaviors.WaitForProcessing, timeout: Duration.from({ milliseconds: graceMs }) } });
        await sub.close();
      } else {
        // Already closing after a stream error, with the long wait: give it the grace, no more.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      }
      sub.removeAllListeners();
    },
  };
}
