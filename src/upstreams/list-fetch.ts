import { type Client, ProtocolError } from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { Item, UpstreamListing } from '../catalog/index.ts';
import { LIST_METHOD_OF, type ListKey } from '../mcp-methods.ts';

/**
 * Fetches an upstream's complete lists, following every nextCursor. Items are validated only for
 * the fields the gateway routes by (loose objects: every other field is kept for the client).
 * A cursor seen twice or a runaway list stops the walk: an upstream must not loop us forever.
 * Lists run under the connect timeout, not the per-call one: a short tool-call budget must not
 * make a large catalog unfetchable.
 */
const MAX_PAGES = 1000;
const METHOD_NOT_FOUND = -32601;

const nextCursor = z.string().optional();
const named = z.array(z.looseObject({ name: z.string().min(1) }));
/** Each list's page, by the key of its items (its method: mcp-methods.ts). */
const PAGES = {
  tools: z.looseObject({ tools: named, nextCursor }),
  prompts: z.looseObject({ prompts: named, nextCursor }),
  resources: z.looseObject({ resources: z.array(z.looseObject({ uri: z.string().min(1) })), nextCursor }),
  resourceTemplates: z.looseObject({ resourceTemplates: z.array(z.looseObject({ uriTemplate: z.string().min(1) })), nextCursor }),
} satisfies Record<ListKey, z.ZodType>;

export async function fetchListing(client: Client, timeoutMs: number): Promise<UpstreamListing> {
  const caps = client.getServerCapabilities() ?? {};
  const [tools, prompts, resources, resourceTemplates] = await Promise.all([
    caps.tools ? fetchAll(client, 'tools', timeoutMs) : [],
    caps.prompts ? fetchAll(client, 'prompts', timeoutMs) : [],
    caps.resources ? fetchAll(client, 'resources', timeoutMs) : [],
    caps.resources ? fetchAll(client, 'resourceTemplates', timeoutMs) : [],
  ]);
  return { tools, prompts, resources, resourceTemplates };
}

async function fetchAll(client: Client, key: ListKey, timeoutMs: number): Promise<Item[]> {
  const method = LIST_METHOD_OF[key];
  const schema = PAGES[key];
  const items: Item[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const params = cursor === undefined ? {} : { cursor };
    let result: Record<string, unknown>;
    try {
      result = (await client.request({ method, params }, schema, { timeout: timeoutMs })) as Record<string, unknown>;
    } catch (error) {
      // Many servers declare `resources` but implement no templates list: treat as empty.
      if (error instanceof ProtocolError && error.code === METHOD_NOT_FOUND) return items;
      throw error;
    }
    // One push per item: a spread passes the page as arguments, and 150,000 of them overflowed the stack.
    for (const item of result[key] as Item[]) items.push(item);
    cursor = result.nextCursor as string | undefined;
    if (cursor === undefined || seen.has(cursor)) return items;
    seen.add(cursor);
  }
  return items;
}
