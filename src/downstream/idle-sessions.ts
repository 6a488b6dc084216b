/**
 * Streamable HTTP sessions end with a DELETE, but a client that crashes or simply forgets never
 * sends one: without expiry each such session (an SDK Server, its subscriptions) lives forever.
 * A session with no request for `idleMs` is closed; its client gets 404 on the next request and,
 * as the spec asks, starts a new session.
 */
export class IdleSessions<T extends { close(): Promise<void> }> {
  readonly #lastSeen = new Map<string, { session: T; at: number }>();
  readonly #timer: NodeJS.Timeout;

  constructor(readonly idleMs: number, private readonly now: () => number = Date.now) {
    this.#timer = setInterval(() => void this.sweep(), Math.max(10, Math.min(idleMs / 2, 60_000)));
    this.#timer.unref();
  }

  get(id: string): T | undefined {
    return this.#lastSeen.get(id)?.session;
  }

  /** Records activity: call when a request starts and when its response ends. */
  touch(id: string, session: T): void {
    this.#lastSeen.set(id, { session, at: this.now() });
  }

  delete(id: string): void {
    this.#lastSeen.delete(id);
  }

  ids(): string[] {
    return [...this.#lastSeen.keys()];
  }

  values(): T[] {
    return [...this.#lastSeen.values()].map((entry) => entry.session);
  }

  async sweep(): Promise<void> {
    const cutoff = this.now() - this.idleMs;
    const idle = [...this.#lastSeen].filter(([, entry]) => entry.at <= cutoff);
    for (const [id] of idle) this.#lastSeen.delete(id);
    await Promise.all(idle.map(([, entry]) => entry.session.close().catch(() => undefined)));
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
