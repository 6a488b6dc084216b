import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { NamespacingConfig } from '../config/schema.ts';
import { WardenError } from '../errors.ts';
import { ownValue } from '../own.ts';
import { disambiguate, fitPublicName, type NameNote } from './naming.ts';
import { COMPOSITE_SERVER } from '../composites/config.ts';
import type { CatalogSnapshot, Item, NamedEntry, Omission, ResourceEntry, TemplateEntry, UpstreamListing } from './types.ts';

/**
 * Builds the merged view from the listings of the connected upstreams, given in config order
 * (that order decides every tie). Pure: the same listings always give the same names.
 */
export function buildCatalog(
  listings: ReadonlyArray<readonly [string, UpstreamListing]>,
  naming: NamespacingConfig,
  composites: readonly Item[] = [],
): CatalogSnapshot {
  const omissions: Omission[] = [];
  const toolList = withComposites(nameItems('tool', listings.map(([u, l]) => [u, l.tools]), naming, omissions), composites, naming, omissions);
  const promptList = nameItems('prompt', listings.map(([u, l]) => [u, l.prompts]), naming, omissions);

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

function nameItems(
  kind: 'tool' | 'prompt',
  perUpstream: ReadonlyArray<readonly [string, readonly Item[]]>,
  naming: NamespacingConfig,
  omissions: Omission[],
): NamedEntry[] {
  const visible = perUpstream.map(([upstream, items]) => {
    const hide = new Set(ownValue(naming.upstreams, upstream)?.hide ?? []);
    return [upstream, items.filter((item) => !hide.has(item.name as string))] as const;
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
      const renamed = ownValue(rename, originalName);
      if (renamed !== undefined) {
        candidate = renamed;
        notes.push('renamed');
      } else if (naming.strategy === 'none' || (naming.strategy === 'conflict' && owners.get(originalName) === 1)) {
        candidate = originalName;
      } else {
        candidate = `${upstream}${naming.separator}${originalName}`;
        if (naming.strategy === 'conflict') notes.push('prefixed-on-conflict');
      }
      const fitted = fitPublicName(candidate, upstream, originalName);
      if (fitted.shortened) notes.push('shortened');
      let publicName = fitted.name;

      const owner = taken.get(publicName);
      if (owner !== undefined) {
        if (naming.strategy === 'none') {
          throw new WardenError('CONFIG_INVALID', `namespacing.strategy "none": ${kind} "${publicName}" is offered by both "${owner}" and "${upstream}"; use rename or hide`, {
            details: { kind, name: publicName, upstreams: [owner, upstream] },
          });
        }
        publicName = disambiguate(candidate, upstream, originalName);
        notes.push('disambiguated');
        if (taken.has(publicName)) {
          omissions.push({ kind, upstream, name: originalName, reason: `public name "${publicName}" is already taken` });
          continue;
        }
      }
      taken.set(publicName, upstream);
      entries.push({ publicName, upstream, originalName, item: publicItem(kind, item, publicName, upstream, naming), notes });
    }
  }
  return entries;
}

/**
 * The gateway's own composite tools come first under the names their config gives them (server
 * COMPOSITE_SERVER in policies and audit rows). An upstream tool whose public name a composite
 * already holds is left out and reported: upstream lists change at run time, config does not.
 */
function withComposites(upstreamTools: NamedEntry[], composites: readonly Item[], naming: NamespacingConfig, omissions: Omission[]): NamedEntry[] {
  if (composites.length === 0) return upstreamTools;
  const entries: NamedEntry[] = composites.map((item) => {
    const name = item.name as string;
    return { publicName: name, upstream: COMPOSITE_SERVER, originalName: name, item: publicItem('tool', item, name, COMPOSITE_SERVER, naming), notes: ['composite'] };
  });
  const names = new Set(entries.map((e) => e.publicName));
  for (const entry of upstreamTools) {
    if (names.has(entry.publicName)) {
      omissions.push({ kind: 'tool', upstream: entry.upstream, name: entry.originalName, reason: `public name "${entry.publicName}" is a composite tool of the gateway` });
    } else {
      entries.push(entry);
    }
  }
  return entries;
}

function publicItem(kind: 'tool' | 'prompt', item: Item, publicName: string, upstream: string, naming: NamespacingConfig): Item {
  if (kind === 'tool' && naming.description_prefix) {
    const description = typeof item.description === 'string' && item.description !== '' ? ` ${item.description}` : '';
    return { ...item, name: publicName, description: `[${upstream}]${description}` };
  }
  return { ...item, name: publicName };
}
