// The instance's job slots (FIJI_MAX_JOBS), one counter for every way a job arrives, so an instance never runs
// more jobs than it was sized for. An HTTP request takes a free slot or is refused (429: its caller, or Pub/Sub
// push, tries again, perhaps on another instance). A pulled message waits for one instead: refusing it would
// spend one of its delivery attempts, while waiting costs nothing but a lease extension, and the subscriber's
// flow control already holds no more messages than there are slots.
export type Release = () => void;

export class JobSlots {
  private used = 0;
  private readonly waiting: Array<{ grant: (release: Release) => void }> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`job slots: size must be an integer >= 1, not ${size}`);
  }

  get running(): number {
    return this.used;
  }

  /** A slot now, or undefined when all are taken (or promised to a waiter). */
  tryAcquire(): Release | undefined {
    if (this.used >= this.size) return undefined;
    this.used += 1;
    return this.releaser();
  }

  /** A slot when one frees, in arrival order; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    const now = signal?.aborted ? undefined : this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: (release: Release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Handed straight to the first waiter: a request arriving meanwhile cannot take the slot it waits for.
      const next = this.waiting.shift();
      if (next) next.grant(this.releaser());
      else this.used -= 1;
    };
  }
}
