import type { UpstreamListing } from '../catalog/index.ts';
import type { LifecycleEvent, PinRecord, PinStore, ToolPinEvent } from '../audit/index.ts';
import type { Logger } from '../log.ts';
import type { IntegrityConfig } from './config.ts';
import { definitionOf, type PinnedKind } from './digest.ts';
import { screenDefinition } from './screen.ts';

/** What the pipeline needs to know about one upstream tool or prompt of the current catalog. */
export interface PinStatus {
  /** SHA-256 of the definition the upstream lists now (digest.ts). */
  digest: string;
  /** That exact definition was approved (by an operator, or trusted on first sight). */
  approved: boolean;
  /** Listed and callable: approved, or `integrity.mode` is `warn`. */
  available: boolean;
}

interface IntegrityDeps {
  config: IntegrityConfig;
  pins: PinStore;
  audit: { recordLifecycle(event: LifecycleEvent): Promise<void> };
  log: Logger;
  now?: () => Date;
  /** The public lists whose content changed because an approval was given or withdrawn. */
  onChange(lists: ReadonlyArray<'tools' | 'prompts'>): void;
}

/** Who a definition trusted on first sight was approved by, in the pins table and the audit rows. */
export const FIRST_SEEN = 'warden (first seen)';

const keyOf = (kind: PinnedKind, upstream: string, name: string): string => `${kind}\u0000${upstream}\u0000${name}`;
const LIST: Record<PinnedKind, 'tools' | 'prompts'> = { tool: 'tools', prompt: 'prompts' };

/**
 * Tool definition pinning (issue 15). Every listing an upstream sends is digested item by item
 * and compared with the pins table: a definition never seen is pinned (trusted on first sight,
 * unless screening flags it or `new_tools` says quarantine), a definition that differs from the
 * approved one is unapproved until `warden tools approve`. Statuses are decided synchronously
 * from memory, when the listing arrives, so a request only does a Map lookup; the table is
 * written behind (every write's audit row names the change) and read again every
 * `poll_interval_ms` for approvals and revocations made from the CLI or another replica.
 */
export class IntegrityGuard {
  readonly #deps: IntegrityDeps;
  readonly #now: () => Date;
  /** The table as this gateway knows it. */
  readonly #pins = new Map<string, PinRecord>();
  /** The items of the current listings: their digest and status. */
  readonly #status = new Map<string, PinStatus>();
  readonly #writes = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  /** The decisions' version the pins in memory reflect (PinStore.decisionsVersion). */
  #decisionsVersion = 0;

  constructor(deps: IntegrityDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Reads the pins table; call before the first listing arrives. Throws when the store cannot be read. */
  async load(): Promise<void> {
    this.#decisionsVersion = await this.#deps.pins.decisionsVersion();
    for (const pin of await this.#deps.pins.readPins()) this.#pins.set(keyOf(pin.kind, pin.upstream, pin.name), pin);
  }

  status(kind: PinnedKind, upstream: string, name: string): PinStatus | undefined {
    return this.#status.get(keyOf(kind, upstream, name));
  }

  /** A fresh complete listing of `upstream`: decides the status of each of its tools and prompts. */
  observe(upstream: string, listing: UpstreamListing): void {
    const known = [...this.#pins.values()].some((pin) => pin.upstream === upstream);
    for (const key of [...this.#status.keys()]) if (key.split('\u0000')[1] === upstream) this.#status.delete(key);
    for (const [kind, items] of [['tool', listing.tools], ['prompt', listing.prompts]] as const) {
      for (const item of items) this.#observeItem(kind, upstream, item.name as string, definitionOf(kind, item), known);
    }
  }

  #observeItem(kind: PinnedKind, upstream: string, name: string, definition: ReturnType<typeof definitionOf>, known: boolean): void {
    const key = keyOf(kind, upstream, name);
    const pin = this.#pins.get(key);
    const at = this.#now().toISOString();
    if (pin !== undefined && pin.seenDigest === definition.digest) {
      this.#status.set(key, this.#statusOf(pin, definition.digest));
      return;
    }
    const flags = screenDefinition(definition.fields);
    const seen = { kind, upstream, name, seenDigest: definition.digest, seenDefinition: definition.text, seenFlags: flags, seenAt: at };
    let next: PinRecord;
    let action: ToolPinEvent['action'];
    if (pin === undefined) {
      // Trust on first use: an upstream never seen brings its tools approved, a known one's new
      // tool follows `new_tools`; a definition screening flags is never trusted.
      const trusted = flags.length === 0 && (!known || this.#deps.config.new_tools === 'allow');
      const approval = trusted ? { approvedDigest: definition.digest, approvedDefinition: definition.text, decidedBy: FIRST_SEEN, decidedAt: at } : { approvedDigest: null, approvedDefinition: null, decidedBy: null, decidedAt: null };
      next = { ...seen, ...approval, note: null };
      action = 'first_seen';
    } else {
      next = { ...pin, ...seen };
      action = 'changed';
    }
    this.#pins.set(key, next);
    const status = this.#statusOf(next, definition.digest);
    this.#status.set(key, status);
    if (!status.approved) {
      const why = flags.length > 0 ? flags : action === 'changed' ? ['the definition differs from the approved one'] : ['new tool of a known upstream (integrity.new_tools: quarantine)'];
      this.#deps.log.warn({ kind, upstream, name, digest: definition.digest, reasons: why, mode: this.#deps.config.mode }, status.available ? 'unapproved definition in use (integrity.mode: warn)' : 'definition quarantined until approved (warden tools approve)');
    }
    this.#write(next, action, pin?.approvedDigest ?? undefined, next.approvedDigest !== null && action === 'first_seen' ? FIRST_SEEN : undefined);
  }

  #statusOf(pin: PinRecord, digest: string): PinStatus {
    const approved = pin.approvedDigest === digest;
    return { digest, approved, available: approved || this.#deps.config.mode === 'warn' };
  }

  /** Stores the seen definition and records the audit row; the row as stored wins (another replica may have been first). */
  #write(pin: PinRecord, action: ToolPinEvent['action'], previousDigest: string | undefined, approvedBy: string | undefined): void {
    const key = keyOf(pin.kind, pin.upstream, pin.name);
    const write = (async () => {
      const stored = await this.#deps.pins.recordSeen({
        kind: pin.kind, upstream: pin.upstream, name: pin.name, digest: pin.seenDigest, definition: pin.seenDefinition, flags: pin.seenFlags, at: pin.seenAt,
        ...(approvedBy === undefined ? {} : { approvedBy }),
      });
      this.#apply(key, stored);
      await this.#record(stored, action, previousDigest);
    })().catch((error: unknown) => this.#deps.log.error({ err: error, upstream: pin.upstream, name: pin.name }, 'recording a pinned definition failed'));
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  #record(pin: PinRecord, action: ToolPinEvent['action'], previousDigest: string | undefined): Promise<void> {
    const current = this.#status.get(keyOf(pin.kind, pin.upstream, pin.name));
    const digest = current?.digest ?? pin.seenDigest;
    return this.#deps.audit.recordLifecycle({
      kind: 'tool_pin', time: this.#now().toISOString(), action, item: pin.kind, upstream: pin.upstream, name: pin.name, digest,
      ...(previousDigest === undefined ? {} : { previousDigest }),
      status: pin.approvedDigest === digest ? 'approved' : 'unapproved',
      flags: pin.seenFlags,
      ...(pin.decidedBy !== null && action !== 'changed' ? { by: pin.decidedBy } : {}),
      ...(pin.note !== null && action !== 'changed' && action !== 'first_seen' ? { note: pin.note } : {}),
    });
  }

  /** Takes a stored row; returns whether the status of a current item changed. */
  #apply(key: string, pin: PinRecord): boolean {
    this.#pins.set(key, pin);
    const before = this.#status.get(key);
    if (before === undefined) return false;
    const after = this.#statusOf(pin, before.digest);
    this.#status.set(key, after);
    return after.available !== before.available || after.approved !== before.approved;
  }

  /** Resolves once every pin write started so far is done (start-up waits for the first listings'). */
  async settled(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
  }

  /** Reads approvals and revocations made elsewhere, every `poll_interval_ms`, until stop(). */
  startPolling(): void {
    this.#timer = setInterval(() => void this.poll(), this.#deps.config.poll_interval_ms);
    this.#timer.unref();
  }

  /**
   * One look at the table (serialised): when an approval or revocation was written since the last
   * look (the decisions' version moved), applies each changed one, records it, announces the lists
   * it changes. Reading every pin each second kept a core busy for good with 150,000 pins; the
   * version is one row, and a whole pin is read only where its decision changed.
   */
  poll(): Promise<void> {
    this.#polling ??= (async () => {
      try {
        const version = await this.#deps.pins.decisionsVersion();
        if (version === this.#decisionsVersion) return;
        this.#decisionsVersion = version;
        const changed = new Set<'tools' | 'prompts'>();
        for (const decision of await this.#deps.pins.readDecisions()) {
          const key = keyOf(decision.kind, decision.upstream, decision.name);
          const known = this.#pins.get(key);
          if (known === undefined || (known.approvedDigest === decision.approvedDigest && known.decidedAt === decision.decidedAt)) continue;
          const fresh = await this.#deps.pins.readPin(decision);
          if (this.#apply(key, fresh)) changed.add(LIST[fresh.kind]);
          this.#deps.log.info({ kind: fresh.kind, upstream: fresh.upstream, name: fresh.name, by: fresh.decidedBy }, fresh.approvedDigest === null ? 'approval revoked' : 'definition approved');
          await this.#record(fresh, fresh.approvedDigest === null ? 'revoked' : 'approved', known.approvedDigest ?? undefined);
        }
        if (changed.size > 0) this.#deps.onChange([...changed]);
      } catch (error) {
        this.#deps.log.error({ err: error }, 'reading the pinned definitions failed');
      } finally {
        this.#polling = undefined;
      }
    })();
    return this.#polling;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
