/**
 * Issue 13, hole 5: names that changed meaning. With separator `_`, upstream `a` tool `b_c` and
 * upstream `a_b` tool `c` both make `a_b_c`; while `a_b` was down the name routed to a/b_c and
 * silently moved to a_b/c when it returned. Now a public name, once given, keeps pointing at its
 * tool for the life of the process, and a prefixed name that an earlier upstream in config order
 * could also produce is suffixed from the start, so a restart gives the same names.
 */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.ts';
import type { UpstreamListing } from '../../../src/catalog/types.ts';
import { namespacingSchema } from '../../../src/config/schema.ts';

const naming = (over: object = {}) => namespacingSchema.parse({ separator: '_', ...over });
const listing = (tools: string[]): UpstreamListing => ({ tools: tools.map((name) => ({ name, inputSchema: { type: 'object' } })), resources: [], resourceTemplates: [], prompts: [] });
const route = (catalog: Catalog, name: string) => {
  const entry = catalog.snapshot.tools.get(name);
  return entry && `${entry.upstream}/${entry.originalName}`;
};
const nameOf = (catalog: Catalog, upstream: string, original: string) => catalog.snapshot.toolList.find((e) => e.upstream === upstream && e.originalName === original)?.publicName;

describe('catalog - names keep their meaning', () => {
  it('a name an earlier upstream could produce never routes to a later one, whoever connects first', () => {
    const catalog = new Catalog(['a_b', 'a'], naming());
    catalog.setListing('a', listing(['b_c', 'x'])); // a_b is still down
    expect(route(catalog, 'a_b_c')).toBeUndefined();
    const aName = nameOf(catalog, 'a', 'b_c')!;
    expect(aName).toMatch(/^a_b_c-[0-9a-f]{8}$/);
    expect(route(catalog, 'a_x')).toBe('a/x');

    catalog.setListing('a_b', listing(['c']));
    expect(route(catalog, 'a_b_c')).toBe('a_b/c');
    expect(route(catalog, aName)).toBe('a/b_c');

    // A restart with both up gives the same names.
    const fresh = new Catalog(['a_b', 'a'], naming());
    fresh.setListing('a_b', listing(['c']));
    fresh.setListing('a', listing(['b_c', 'x']));
    expect([nameOf(fresh, 'a', 'b_c'), nameOf(fresh, 'a_b', 'c'), nameOf(fresh, 'a', 'x')]).toEqual([aName, 'a_b_c', 'a_x']);
  });

  it('the earlier upstream keeps the plain name when it comes second in time', () => {
    const catalog = new Catalog(['a', 'a_b'], naming());
    catalog.setListing('a_b', listing(['c']));
    expect(nameOf(catalog, 'a_b', 'c')).toMatch(/^a_b_c-[0-9a-f]{8}$/);
    catalog.setListing('a', listing(['b_c']));
    expect(route(catalog, 'a_b_c')).toBe('a/b_c');
  });

  it('[visibility:name-keeps-its-tool] a name once given keeps pointing at its tool while the tool is gone and after it returns', () => {
    const catalog = new Catalog(['a', 'b'], naming({ strategy: 'conflict', separator: '__' }));
    catalog.setListing('a', listing(['x']));
    expect(route(catalog, 'x')).toBe('a/x');
    catalog.setListing('b', listing(['x']));
    expect(route(catalog, 'x')).toBe('a/x');
    expect(route(catalog, 'b__x')).toBe('b/x');
    catalog.setListing('a', undefined);
    expect(route(catalog, 'x')).toBeUndefined();
    expect(route(catalog, 'b__x')).toBe('b/x');
    catalog.setListing('a', listing(['x']));
    expect(route(catalog, 'x')).toBe('a/x');
  });

  it('refuses a tool its upstream lists twice, and says so', () => {
    const catalog = new Catalog(['a'], naming());
    catalog.setListing('a', listing(['dup', 'ok', 'dup']));
    expect(catalog.snapshot.toolList.map((e) => e.publicName)).toEqual(['a_ok']);
    expect(catalog.snapshot.omissions).toEqual([{ kind: 'tool', upstream: 'a', name: 'dup', reason: 'listed 2 times by its upstream; refused' }]);
  });
});
