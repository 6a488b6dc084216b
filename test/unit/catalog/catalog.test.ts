import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.ts';
import { buildCatalog } from '../../../src/catalog/build.ts';
import type { UpstreamListing } from '../../../src/catalog/types.ts';
import { namespacingSchema, PUBLIC_NAME_PATTERN } from '../../../src/config/schema.ts';
import { WardenError } from '../../../src/errors.ts';

const naming = (over: object = {}) => namespacingSchema.parse(over);
const listing = (tools: string[], extra: Partial<UpstreamListing> = {}): UpstreamListing => ({
  tools: tools.map((name) => ({ name, description: `does ${name}`, inputSchema: { type: 'object' } })),
  resources: [],
  resourceTemplates: [],
  prompts: [],
  ...extra,
});
const names = (c: ReturnType<typeof buildCatalog>) => c.toolList.map((t) => [t.publicName, t.upstream, t.originalName]);

describe('catalog - tool names', () => {
  it('always: prefixes every tool with its upstream and the separator, description with [upstream]', () => {
    const c = buildCatalog([['db', listing(['query'])], ['fs', listing(['read'])]], naming());
    expect(names(c)).toEqual([['db__query', 'db', 'query'], ['fs__read', 'fs', 'read']]);
    expect(c.tools.get('db__query')?.item).toEqual({ name: 'db__query', description: '[db] does query', inputSchema: { type: 'object' } });
  });

  it('description prefix can be switched off', () => {
    const c = buildCatalog([['db', listing(['query'])]], naming({ description_prefix: false }));
    expect(c.tools.get('db__query')?.item.description).toBe('does query');
  });

  it('conflict: prefixes only names that two upstreams share', () => {
    const c = buildCatalog([['a', listing(['echo', 'add'])], ['b', listing(['echo', 'sub'])]], naming({ strategy: 'conflict' }));
    expect(names(c)).toEqual([['a__echo', 'a', 'echo'], ['add', 'a', 'add'], ['b__echo', 'b', 'echo'], ['sub', 'b', 'sub']]);
    expect(c.tools.get('a__echo')?.notes).toEqual(['prefixed-on-conflict']);
  });

  it('none: passes names through and refuses a collision with CONFIG_INVALID', () => {
    expect(names(buildCatalog([['a', listing(['x'])], ['b', listing(['y'])]], naming({ strategy: 'none' })))).toEqual([['x', 'a', 'x'], ['y', 'b', 'y']]);
    const build = () => buildCatalog([['a', listing(['x'])], ['b', listing(['x'])]], naming({ strategy: 'none' }));
    expect(build).toThrow(WardenError);
    expect(build).toThrow('namespacing.strategy "none": tool "x" is offered by both "a" and "b"; use rename or hide');
  });

  it('rename gives an exact public name and hide drops a tool', () => {
    const c = buildCatalog([['db', listing(['query', 'drop_all'])]], naming({ upstreams: { db: { rename: { query: 'sql' }, hide: ['drop_all'] } } }));
    expect(names(c)).toEqual([['sql', 'db', 'query']]);
    expect(c.tools.get('sql')?.notes).toEqual(['renamed']);
  });

  it('routes a_b/c and a/b_c to different tools even when the separator makes them collide', () => {
    const c = buildCatalog([['a_b', listing(['c'])], ['a', listing(['b_c'])]], naming({ separator: '_' }));
    const [first, second] = c.toolList;
    expect(first).toMatchObject({ publicName: 'a_b_c', upstream: 'a_b', originalName: 'c' });
    expect(second).toMatchObject({ upstream: 'a', originalName: 'b_c', notes: ['disambiguated'] });
    expect(second!.publicName).toMatch(/^a_b_c-[0-9a-f]{8}$/);
    expect(c.tools.get(second!.publicName)?.originalName).toBe('b_c');
  });

  it('shortens long or invalid names deterministically to ^[a-zA-Z0-9_-]{1,64}$, distinct per original', () => {
    const long = 'x'.repeat(80);
    const run = () => buildCatalog([['srv.v2', listing([long, `${long}y`, 'has space'])]], naming());
    const [a, b, c] = run().toolList;
    for (const entry of [a!, b!, c!]) {
      expect(entry.publicName).toMatch(PUBLIC_NAME_PATTERN);
      expect(entry.notes).toContain('shortened');
    }
    expect(a!.publicName).not.toBe(b!.publicName);
    expect(c!.publicName).toMatch(/^srv_v2__has_space-[0-9a-f]{8}$/);
    expect(run().toolList.map((e) => e.publicName)).toEqual([a!.publicName, b!.publicName, c!.publicName]);
  });

  it('prompts follow the tool rules but keep their description', () => {
    const c = buildCatalog([['fs', listing([], { prompts: [{ name: 'review', description: 'Review a file' }] })]], naming());
    expect(c.prompts.get('fs__review')?.item).toEqual({ name: 'fs__review', description: 'Review a file' });
  });
});

describe('catalog - resources', () => {
  it('keeps URIs; a URI served twice goes to the first upstream in config order and is reported', () => {
    const res = (uri: string, name: string) => ({ uri, name });
    const c = buildCatalog(
      [['a', listing([], { resources: [res('file:///x', 'from-a')] })], ['b', listing([], { resources: [res('file:///x', 'from-b'), res('file:///y', 'y')] })]],
      naming(),
    );
    expect(c.resourceList.map((r) => [r.uri, r.upstream])).toEqual([['file:///x', 'a'], ['file:///y', 'b']]);
    expect(c.omissions).toEqual([{ kind: 'resource', upstream: 'b', name: 'file:///x', reason: 'URI already served by "a" (earlier in config order)' }]);
  });

  it('finds a resource by exact URI, else by the first matching template', () => {
    const catalog = new Catalog(['a', 'b'], naming());
    catalog.setListing('b', listing([], { resourceTemplates: [{ uriTemplate: 'test://items/{id}', name: 'item' }] }));
    catalog.setListing('a', listing([], { resources: [{ uri: 'test://items/1', name: 'one' }] }));
    expect(catalog.findResource('test://items/1')?.upstream).toBe('a');
    expect(catalog.findResource('test://items/2')?.upstream).toBe('b');
    expect(catalog.findResource('other://x')).toBeUndefined();
  });
});

describe('catalog - live updates', () => {
  it('reports which lists changed and keeps config order whatever the connect order', () => {
    const catalog = new Catalog(['a', 'b'], naming());
    expect(catalog.setListing('b', listing(['t']))).toEqual(['tools']);
    expect(catalog.setListing('a', listing(['t'], { prompts: [{ name: 'p' }] }))).toEqual(['tools', 'prompts']);
    expect(catalog.snapshot.toolList.map((t) => t.publicName)).toEqual(['a__t', 'b__t']);
    expect(catalog.setListing('a', listing(['t'], { prompts: [{ name: 'p' }] }))).toEqual([]);
    expect(catalog.setListing('a', undefined)).toEqual(['tools', 'prompts']);
  });

  it('keeps the previous state when an update would collide under strategy none', () => {
    const catalog = new Catalog(['a', 'b'], naming({ strategy: 'none' }));
    catalog.setListing('a', listing(['x']));
    catalog.setListing('b', listing(['y']));
    expect(() => catalog.setListing('b', listing(['x']))).toThrow(WardenError);
    expect(catalog.snapshot.toolList.map((t) => [t.publicName, t.upstream])).toEqual([['x', 'a'], ['y', 'b']]);
  });

  // The later upstream in config order answered first and was given the name: the earlier one
  // must still meet the conflict, not be renamed (a lifecycle test caught this only when b won the race).
  it('refuses a collision under strategy none whichever upstream answered first', () => {
    const catalog = new Catalog(['a', 'b'], naming({ strategy: 'none' }));
    catalog.setListing('b', listing(['x']));
    expect(() => catalog.setListing('a', listing(['x']))).toThrow(/^namespacing.strategy "none": tool "x" is offered by both "a" and "b"; use rename or hide$/);
    expect(catalog.snapshot.toolList.map((t) => [t.publicName, t.upstream])).toEqual([['x', 'b']]);
  });
});
