import { UriTemplate } from '@modelcontextprotocol/client';
import type { NamespacingConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import { ownValue } from '../own.ts';
import { disambiguate, fitPublicName, type NameNote } from './naming.ts';
import { COMPOSITE_SERVER } from '../composites/index.ts';
import type { CatalogSnapshot, Item, NamedEntry, Omission, ResourceEntry, TemplateEntry, UpstreamListing } from './types.ts';

/**
 * Public names given so far, for the life of the process (issue 13, hole 5): a name once given
 * to a tool or prompt keeps pointing at it, and the tool keeps the name, whoever connects later.
 * Keys are `kind NUL public name` and `kind NUL upstream NUL original name`: tools and prompts
 * are named apart (a prompt may share its tool's name).
 */
export interface GivenNames {
  byName: Map<string, string>;
  byItem: Map<string, string>;
}

export const noNamesGiven = (): GivenNames => ({ byName: new Map(), byItem: new Map() });

/**
 * Builds the merged view from the listings of the connected upstreams, given in config order
 * (that order decides every tie). `upstreamOrder` is every configured upstream, connected or not:
 * whether a prefixed name could also be another upstream's is decided from it, never from who is
 * connected. Pure but for `given`, which it reads and extends.
 */
export function buildCatalog(
  listings: ReadonlyArray<readonly [string, UpstreamListing]>,
  naming: NamespacingConfig,
  composites: readonly Item[] = [],
  upstreamOrder: readonly string[] = listings.map(([upstream]) => upstream),
  given: GivenNames = noNamesGiven(),
): CatalogSnapshot {
  const omissions: Omission[] = [];
  const context = { naming, omissions, upstreamOrder, given };
  claimCompositeNames(composites, given);
  const toolList = withComposites(nameItems('tool', listings.map(([u, l]) => [u, l.tools]), context), composites, naming);
  const promptList = nameItems('prompt', listings.map(([u, l]) => [u, l.prompts]), context);

  const resources = new Map<string, ResourceEntry>();
  for (const [upstream, listing] of listings) {
    for (const item of listing.resources) {
      const uri = item.uri as string;
      const owner = resources.get(uri);
      if (owner) {
        omissions.push({ kind: 'resource', upstream, name: uri, reason: `URI already served by "${owner.upstream}" (earlier in config order)` });
      } else {
        resources.set(uri, { uri, upstream, item });
      }
    }
  }

  const seenTemplates = new Map<string, string>();
  const templateList: TemplateEntry[] = [];
  for (const [upstream, listing] of listings) {
    for (const item of listing.resourceTemplates) {
      const uriTemplate = item.uriTemplate as string;
      const owner = seenTemplates.get(uriTemplate);
      if (owner !== undefined) {
        omissions.push({ kind: 'resourceTemplate', upstream, name: uriTemplate, reason: `template already served by "${owner}"` });
        continue;
      }
      seenTemplates.set(uriTemplate, upstream);
      templateList.push({ uriTemplate, upstream, item, matcher: new UriTemplate(uriTemplate) });
    }
  }

  return {
    tools: new Map(toolList.map((e) => [e.publicName, e])),
    toolList,
    prompts: new Map(promptList.map((e) => [e.publicName, e])),
    promptList,
    resources,
    resourceList: [...resources.values()],
    templateList,
    omissions,
  };
}

interface NamingContext {
  naming: NamespacingConfig;
  omissions: Omission[];
  upstreamOrder: readonly string[];
  given: GivenNames;
}

function nameItems(kind: 'tool' | 'prompt', perUpstream: ReadonlyArray<readonly [string, readonly Item[]]>, context: NamingContext): NamedEntry[] {
  const { naming, omissions, given } = context;
  const visible = perUpstream.map(([upstream, items]) => {
    const hide = new Set(ownValue(naming.upstreams, upstream)?.hide ?? []);
    // A name an upstream lists twice is refused: which definition (schema, annotations) the
    // policy judged and which one the upstream runs could differ.
    const counts = new Map<string, number>();
    for (const item of items) counts.set(item.name as string, (counts.get(item.name as string) ?? 0) + 1);
    for (const [name, count] of counts) {
      if (count > 1) omissions.push({ kind, upstream, name, reason: `listed ${count} times by its upstream; refused` });
    }
    return [upstream, items.filter((item) => !hide.has(item.name as string) && counts.get(item.name as string) === 1)] as const;
  });

  // For `conflict`: how many upstreams offer each original name that is not renamed.
  const owners = new Map<string, number>();
  for (const [upstream, items] of visible) {
    const rename = ownValue(naming.upstreams, upstream)?.rename;
    for (const item of items) {
      const name = item.name as string;
      // Names come from the upstream: `constructor` is a tool name, not Object's member.
      if (ownValue(rename, name) === undefined) owners.set(name, (owners.get(name) ?? 0) + 1);
    }
  }

  const taken = new Map<string, string>();
  const entries: NamedEntry[] = [];
  for (const [upstream, items] of visible) {
    const rename = ownValue(naming.upstreams, upstream)?.rename;
    for (const item of items) {
      const originalName = item.name as string;
      const notes: NameNote[] = [];
      let candidate: string;
      let prefixed = false;
      const renamed = ownValue(rename, originalName);
      if (renamed !== undefined) {
        candidate = renamed;
        notes.push('renamed');
      } else if (naming.strategy === 'none' || (naming.strategy === 'conflict' && owners.get(originalName) === 1)) {
        candidate = originalName;
      } else {
        candidate = `${upstream}${naming.separator}${originalName}`;
        prefixed = true;
        if (naming.strategy === 'conflict') notes.push('prefixed-on-conflict');
      }
      const fitted = fitPublicName(candidate, upstream, originalName);
      if (fitted.shortened) notes.push('shortened');
      const identity = `${kind}\u0000${upstream}\u0000${originalName}`;
      const earlier = given.byItem.get(identity);
      let publicName = earlier ?? fitted.name;
      if (given.byName.get(`${kind}\u0000${publicName}`)?.startsWith(COMPOSITE_IDENTITY)) {
        omissions.push({ kind, upstream, name: originalName, reason: `public name "${publicName}" is a composite tool of the gateway` });
        continue;
      }

      const owner = taken.get(publicName);
      const heldByAnother = earlier === undefined && (given.byName.get(`${kind}\u0000${publicName}`) ?? identity) !== identity;
      if (earlier === undefined && (owner !== undefined || heldByAnother || (prefixed && claimedEarlierInConfig(publicName, upstream, context)))) {
        // Under `none` a name is never changed, so two upstreams offering it is a configuration
        // error, whichever of them answered first (the holder may be a name given earlier).
        const holder = owner ?? (heldByAnother ? given.byName.get(`${kind}\u0000${publicName}`)!.split('\u0000')[1] : undefined);
        if (naming.strategy === 'none' && holder !== undefined) {
          const both = [holder, upstream].sort((x, y) => context.upstreamOrder.indexOf(x) - context.upstreamOrder.indexOf(y));
          throw new WardenError('CONFIG_INVALID', `namespacing.strategy "none": ${kind} "${publicName}" is offered by both "${both[0]}" and "${both[1]}"; use rename or hide`, {
            details: { kind, name: publicName, upstreams: both },
          });
        }
        publicName = disambiguate(candidate, upstream, originalName);
        notes.push('disambiguated');
      }
      if (taken.has(publicName) || (given.byName.get(`${kind}\u0000${publicName}`) ?? identity) !== identity) {
        omissions.push({ kind, upstream, name: originalName, reason: `public name "${publicName}" is already taken` });
        continue;
      }
      given.byName.set(`${kind}\u0000${publicName}`, identity);
      given.byItem.set(identity, publicName);
      taken.set(publicName, upstream);
      entries.push({ publicName, upstream, originalName, item: publicItem(kind, item, publicName, upstream, naming), notes });
    }
  }
  return entries;
}

/**
 * Whether a prefixed name could also be the prefixed name of an upstream earlier in config order
 * (upstream `a` tool `b_c` and upstream `a_b` tool `c` both give `a_b_c` with separator `_`).
 * Decided from the configured names alone, connected or not, so the earlier upstream keeps such
 * names and the later one always gets the hash suffix: a name never changes owner when an
 * upstream comes or goes, and a restart gives the same names.
 */
function claimedEarlierInConfig(publicName: string, upstream: string, context: NamingContext): boolean {
  const { separator } = context.naming;
  const position = context.upstreamOrder.indexOf(upstream);
  return context.upstreamOrder.some((other, index) => other !== upstream && index < position && publicName.startsWith(`${other}${separator}`));
}

/**
 * A composite's name is given to it like any tool's, before the upstreams' tools are named, so
 * that name never points at an upstream tool, even after a reload removed the composite. A
 * composite a reload adds under a name already given to an upstream tool is refused.
 */
const COMPOSITE_IDENTITY = `tool\u0000${COMPOSITE_SERVER}\u0000`;

function claimCompositeNames(composites: readonly Item[], given: GivenNames): void {
  for (const item of composites) {
    const name = item.name as string;
    const identity = `${COMPOSITE_IDENTITY}${name}`;
    const holder = given.byName.get(`tool\u0000${name}`);
    if (holder !== undefined && holder !== identity) {
      const [, upstream, original] = holder.split('\u0000');
      throw new WardenError('CONFIG_INVALID', `composites: "${name}" is already the public name of tool "${original}" of upstream "${upstream}"; a public name keeps its tool for the life of the process`, {
        details: { path: 'composites', name, upstream },
      });
    }
    given.byName.set(`tool\u0000${name}`, identity);
    given.byItem.set(identity, name);
  }
}

/**
 * The gateway's own composite tools come first under the names their config gives them (server
 * COMPOSITE_SERVER in policies and audit rows); an upstream tool named like one was left out
 * above (nameItems) and reported: upstream lists change at run time, config only by a reload.
 */
function withComposites(upstreamTools: NamedEntry[], composites: readonly Item[], naming: NamespacingConfig): NamedEntry[] {
  return [
    ...composites.map((item): NamedEntry => {
      const name = item.name as string;
      return { publicName: name, upstream: COMPOSITE_SERVER, originalName: name, item: publicItem('tool', item, name, COMPOSITE_SERVER, naming), notes: ['composite'] };
    }),
    ...upstreamTools,
  ];
}

function publicItem(kind: 'tool' | 'prompt', item: Item, publicName: string, upstream: string, naming: NamespacingConfig): Item {
  if (kind === 'tool' && naming.description_prefix) {
    const description = typeof item.description === 'string' && item.description !== '' ? ` ${item.description}` : '';
    return { ...item, name: publicName, description: `[${upstream}]${description}` };
  }
  return { ...item, name: publicName };
}
