import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { TestPolicyEngine } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { postModern } from '../../../testkit/support/rpc.ts';

/**
 * Cache hints on new-era list and read results (MCP 2026-07-28, issue 11). The upstream (the
 * new-era conformance fixture) marks every list and read `public` for 60 s; through the gateway
 * each is filtered or authorized for one caller, so each answer must say `private` and `0`: a
 * shared cache keyed without the caller would otherwise hand bob the list alice was shown.
 */
const CACHEABLE: Array<[string, Record<string, unknown>]> = [
  ['tools/list', {}],
  ['prompts/list', {}],
  ['resources/list', {}],
  ['resources/templates/list', {}],
  ['resources/read', { uri: 'test://static-text' }],
];

describe('cache hints through the gateway (new era)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    // bob may not see test_simple_text: the lists really differ per caller.
    const policy = new TestPolicyEngine((input) => input.principal?.sub !== 'bob' || input.tool?.name !== 'test_simple_text');
    gw = await startTestGateway({ config: { mcpServers: { conformance: { ...fixtureCommand('conformance-modern', 'stdio'), env: {} } }, namespacing: { strategy: 'none' } }, policy });
  });

  afterAll(async () => {
    await gw?.close();
  });

  it.each(CACHEABLE)('answers %s private and uncached, whatever the upstream said', async (method, params) => {
    // resources/read names its URI in Mcp-Name (postModern mirrors only params.name).
    const named: Record<string, string> = typeof params.uri === 'string' ? { 'mcp-name': params.uri } : {};
    const { body } = await postModern(gw.edge.url, method, params, { headers: { authorization: 'Bearer token-alice', ...named } });
    expect(body?.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
  });

  it('gives two callers two different lists, neither of them shareable', async () => {
    const list = async (token: string) => (await postModern(gw.edge.url, 'tools/list', {}, { headers: { authorization: `Bearer ${token}` } })).body?.result;
    const [alice, bob] = [await list('token-alice'), await list('token-bob')];
    const names = (result: { tools?: Array<{ name: string }> } | undefined) => (result?.tools ?? []).map((t) => t.name);
    expect(names(alice)).toContain('test_simple_text');
    expect(names(bob)).not.toContain('test_simple_text');
    expect([alice?.cacheScope, bob?.cacheScope]).toEqual(['private', 'private']);
  });
});
