import type { Principal } from '../auth/index.ts';
import type { NamedEntry } from '../catalog/index.ts';
import { WardenError } from '../errors.ts';
import type { PinStatus } from '../integrity/index.ts';
import type { SessionInfo, Target } from './context.ts';
import type { PipelineDeps } from './deps.ts';
import { visible } from './stages/authorize.ts';

/**
 * The catalog as one principal would be shown it (the console's Catalog page, issue 16): every
 * current tool, prompt, resource and template put to the very question a list asks per item
 * (`visible`), with its upstream, original name and pin state. Quarantined items are listed with
 * `quarantined: true` and `visible: false`, as no list shows them to anyone.
 */
export interface SeenItem {
  kind: 'tool' | 'prompt' | 'resource' | 'template';
  name: string;
  upstream: string;
  /** The upstream's own name (tools, prompts) or the URI (resources, templates). */
  originalName: string;
  /** Exactly as the upstream wrote it: untrusted text, to be shown as text. */
  description: string | null;
  visible: boolean;
  /** The policy's reasons when it said no. */
  reasons: string[];
  pin: { digest: string; approved: boolean } | null;
  quarantined: boolean;
}

const NO_CHANNEL = { request: () => Promise.reject(new WardenError('REQUEST_INVALID', 'the console has no client channel')) };

/** The request the list question is asked for: the console's own, so policies can tell it apart. */
const CONSOLE_SESSION: SessionInfo = { id: 'console', transport: 'http', protocolVersion: 'console', channel: NO_CHANNEL };

/**
 * `asked` is the request the questions are asked for: the console's own by default, a listener's
 * own request for subscriptions/listen (listen.ts), so a policy sees who is asking and in which era.
 */
export async function seenBy(
  principal: Principal | undefined,
  deps: Pick<PipelineDeps, 'catalog' | 'policy' | 'clock' | 'integrity'>,
  asked: { session: SessionInfo; requestId: string | number } = { session: CONSOLE_SESSION, requestId: 'console' },
): Promise<SeenItem[]> {
  const snapshot = deps.catalog.snapshot;
  const subject = { principal, ...asked };
  const named = (kind: 'tool' | 'prompt', entry: NamedEntry): [Target, SeenItem] => {
    const pin: PinStatus | undefined = deps.integrity?.status(kind, entry.upstream, entry.originalName);
    const target: Target = pin === undefined ? { kind, entry } : { kind, entry, pin };
    return [target, { kind, name: entry.publicName, upstream: entry.upstream, originalName: entry.originalName, description: text(entry.item.description), visible: false, reasons: [], pin: pin === undefined ? null : { digest: pin.digest, approved: pin.approved }, quarantined: pin !== undefined && !pin.available }];
  };
  const uri = (kind: 'resource' | 'template', upstream: string, address: string, description: unknown, name: unknown): [Target, SeenItem] => [
    { kind: 'resource', uri: address, upstream },
    { kind, name: typeof name === 'string' ? name : address, upstream, originalName: address, description: text(description), visible: false, reasons: [], pin: null, quarantined: false },
  ];
  const all: Array<[Target, SeenItem]> = [
    ...snapshot.toolList.map((entry) => named('tool', entry)),
    ...snapshot.promptList.map((entry) => named('prompt', entry)),
    ...snapshot.resourceList.map((r) => uri('resource', r.upstream, r.uri, r.item.description, r.item.name)),
    ...snapshot.templateList.map((t) => uri('template', t.upstream, t.uriTemplate, t.item.description, t.item.name)),
  ];
  return Promise.all(
    all.map(async ([target, item]) => {
      if (item.quarantined) return item;
      const decision = await visible(subject, target, deps);
      return { ...item, visible: decision.allow === true, reasons: decision.allow === true ? [] : decision.reasons };
    }),
  );
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
