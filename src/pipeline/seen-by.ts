import { createHash } from 'node:crypto';
import type { Principal } from '../auth/index.ts';
import type { CatalogList, NamedEntry } from '../catalog/index.ts';
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
  return (await judged(principal, deps, asked)).map(({ item }) => item);
}

/** Each item as seenBy shows it, with its definition as the upstream gave it and whether the policy could not decide (POLICY_ERROR). */
async function judged(
  principal: Principal | undefined,
  deps: Pick<PipelineDeps, 'catalog' | 'policy' | 'clock' | 'integrity'>,
  asked: { session: SessionInfo; requestId: string | number },
): Promise<Array<{ item: SeenItem; definition: unknown; undecided: boolean }>> {
  const snapshot = deps.catalog.snapshot;
  const subject = { principal, ...asked };
  const named = (kind: 'tool' | 'prompt', entry: NamedEntry): [Target, SeenItem, unknown] => {
    const pin: PinStatus | undefined = deps.integrity?.status(kind, entry.upstream, entry.originalName);
    const target: Target = pin === undefined ? { kind, entry } : { kind, entry, pin };
    return [target, { kind, name: entry.publicName, upstream: entry.upstream, originalName: entry.originalName, description: text(entry.item.description), visible: false, reasons: [], pin: pin === undefined ? null : { digest: pin.digest, approved: pin.approved }, quarantined: pin !== undefined && !pin.available }, entry.item];
  };
  const uri = (kind: 'resource' | 'template', upstream: string, address: string, definition: { description?: unknown; name?: unknown }): [Target, SeenItem, unknown] => [
    { kind: 'resource', uri: address, upstream },
    { kind, name: typeof definition.name === 'string' ? definition.name : address, upstream, originalName: address, description: text(definition.description), visible: false, reasons: [], pin: null, quarantined: false },
    definition,
  ];
  const all: Array<[Target, SeenItem, unknown]> = [
    ...snapshot.toolList.map((entry) => named('tool', entry)),
    ...snapshot.promptList.map((entry) => named('prompt', entry)),
    ...snapshot.resourceList.map((r) => uri('resource', r.upstream, r.uri, r.item)),
    ...snapshot.templateList.map((t) => uri('template', t.upstream, t.uriTemplate, t.item)),
  ];
  return Promise.all(
    all.map(async ([target, item, definition]) => {
      if (item.quarantined) return { item, definition, undecided: false };
      const decision = await visible(subject, target, deps);
      return { item: { ...item, visible: decision.allow === true, reasons: decision.allow === true ? [] : decision.reasons }, definition, undecided: decision.code === 'POLICY_ERROR' };
    }),
  );
}

/**
 * Per list, what the caller sees of it as one comparable string: the items it may list, each by
 * name and a digest of its definition (a tool whose description or schema changed is a change).
 */
export type ListViews = Record<CatalogList, string>;

const KIND_LIST = { tool: 'tools', prompt: 'prompts', resource: 'resources', template: 'resources' } as const satisfies Record<SeenItem['kind'], CatalogList>;

/**
 * The lists as `principal` sees them now, for telling a client of a list change only when its
 * own view changed: a new-era listen stream (listen.ts) and an old-era session (the gateway).
 * Asks the policy what `seenBy` asks; records nothing (it is not a request). Throws POLICY_ERROR
 * when the policy could not decide some item: then the view is not known.
 */
export async function listViews(
  principal: Principal | undefined,
  deps: Pick<PipelineDeps, 'catalog' | 'policy' | 'clock' | 'integrity'>,
  asked: { session: SessionInfo; requestId: string | number },
): Promise<ListViews> {
  const names: Record<CatalogList, string[]> = { tools: [], prompts: [], resources: [] };
  for (const { item, definition, undecided } of await judged(principal, deps, asked)) {
    if (undecided) throw new WardenError('POLICY_ERROR', `the policy could not decide whether ${item.kind} ${item.name} is visible`);
    if (item.visible) names[KIND_LIST[item.kind]].push(`${item.kind}:${item.name}:${createHash('sha256').update(JSON.stringify(definition)).digest('base64url')}`);
  }
  return { tools: names.tools.sort().join('\n'), prompts: names.prompts.sort().join('\n'), resources: names.resources.sort().join('\n') };
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
