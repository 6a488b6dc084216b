/**
 * What an old-era session may change after it began (subscriptions, whether it receives upstream
 * logs, its end), kept where every replica can read it: in the audit database when that is
 * PostgreSQL (postgres/session-state.ts), in this process otherwise. The sealed session id carries
 * what never changes (principal, protocol version, client capabilities); a replica that takes a
 * session over reads this and refuses a session that was ended (DELETE) or that it cannot find.
 */
export interface SessionState {
  subscriptions: string[];
  receivesLogs: boolean;
}

export interface SessionStateStore {
  /** A new session: recorded before its id is handed out, so any replica can find it. */
  create(sessionId: string, replicaId: string): Promise<void>;
  /** The live session's state; undefined when unknown or ended. */
  load(sessionId: string): Promise<SessionState | undefined>;
  save(sessionId: string, state: SessionState): Promise<void>;
  /** The client ended the session (DELETE): no replica may continue it. */
  end(sessionId: string): Promise<void>;
  /**
   * Closes, through `close`, each session this replica holds (`held`) once any replica ended it,
   * so a session ended elsewhere is not answered here until it idles out. Until `close()`.
   */
  watchEnded(held: () => Iterable<string>, close: (sessionId: string) => void): void;
  close(): Promise<void>;
}

/** One process: the state lives and dies with it (SQLite backend, a replica of one). */
export function memorySessionState(): SessionStateStore {
  const live = new Map<string, SessionState>();
  return {
    create: async (id) => void live.set(id, { subscriptions: [], receivesLogs: false }),
    load: async (id) => {
      const state = live.get(id);
      return state && { subscriptions: [...state.subscriptions], receivesLogs: state.receivesLogs };
    },
    save: async (id, state) => void (live.has(id) && live.set(id, { subscriptions: [...state.subscriptions], receivesLogs: state.receivesLogs })),
    end: async (id) => void live.delete(id),
    // One process: the DELETE that ends a session closes it here already.
    watchEnded: () => undefined,
    close: async () => undefined,
  };
}
