/**
 * At most `max` holders at once; up to `queue` more wait in arrival order, each until its
 * deadline or its caller's cancellation. A released slot goes straight to the next waiter, so a
 * newcomer can never overtake the queue.
 */
type WaitFailure = 'queue_full' | 'timeout' | 'cancelled';

interface Waiter {
  grant(): void;
  fail(why: WaitFailure): void;
}

export class SlotPool {
  #active = 0;
  readonly #waiting: Waiter[] = [];

  constructor(
    private readonly max: number,
    private readonly queue: number,
  ) {}

  /** Nobody holds or waits: the pool can be forgotten. */
  get idle(): boolean {
    return this.#active === 0 && this.#waiting.length === 0;
  }

  /** A slot now, without waiting (the fast path of every admitted call). */
  tryTake(): boolean {
    if (this.#active >= this.max || this.#waiting.length > 0) return false;
    this.#active++;
    return true;
  }

  /** Waits for a slot; rejects with why it gave up. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.#waiting.length >= this.queue) return Promise.reject(new SlotWaitError('queue_full'));
    if (signal.aborted) return Promise.reject(new SlotWaitError('cancelled'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => waiter.fail('cancelled');
      const timer = setTimeout(() => waiter.fail('timeout'), timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => (settle(), resolve()),
        fail: (why) => {
          const at = this.#waiting.indexOf(waiter);
          if (at === -1) return;
          this.#waiting.splice(at, 1);
          settle();
          reject(new SlotWaitError(why));
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next.grant();
    else this.#active--;
  }
}

export class SlotWaitError extends Error {
  constructor(readonly why: WaitFailure) {
    super(why);
  }
}
