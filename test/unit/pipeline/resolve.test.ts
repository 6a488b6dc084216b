import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinStatus } from '../../../src/integrity/guard.ts';
import type { Authenticated } from '../../../src/pipeline/context.ts';
import { resolve } from '../../../src/pipeline/stages/resolve.ts';
import { principal } from '../../../testkit/support/engines.ts';
import { realDeps, type RealDeps } from './real-deps.ts';
import { session } from './stage-context.ts';

/**
 * Stage 2 in process, against the catalog built from a real upstream's listing (the relay
 * fixture `db` over Streamable HTTP): public name or URI -> upstream and original name, by lookup.
 */
let real: RealDeps;
beforeAll(async () => {
  real = await realDeps('stage-resolve');
});
afterAll(() => real.close());

function authenticated(method: Authenticated['method'], params: Record<string, unknown>): Authenticated {
  return { method, params, session, requestId: 7, token: undefined, signal: new AbortController().signal, principal: principal('alice'), startedAt: 0 };
}

describe('resolve - the stage in process', () => {
  it('maps a public tool name to its upstream and original name, passing every other field through untouched', () => {
    const params = { name: 'db__echo', arguments: { message: 'hi', n: 1.5 }, extra: { kept: true } };
    const resolved = resolve(authenticated('tools/call', params), real.deps);
    expect(resolved.upstream).toBe('db');
    expect(resolved.target).toMatchObject({ kind: 'tool', entry: { publicName: 'db__echo', upstream: 'db', originalName: 'echo' } });
    expect(resolved.upstreamParams).toEqual({ ...params, name: 'echo' });
    expect(resolved.params).toBe(params);
  });

  it("drops the caller's progressToken from what the upstream will see (the SDK client sets its own) and keeps the rest of _meta", () => {
    const resolved = resolve(authenticated('tools/call', { name: 'db__echo', _meta: { progressToken: 'p-1', 'example/trace': 'x' } }), real.deps);
    expect(resolved.upstreamParams).toEqual({ name: 'echo', _meta: { 'example/trace': 'x' } });
  });

  it('resolves a prompt, a resource URI and a completion reference to the upstream that offers them', () => {
    expect(resolve(authenticated('prompts/get', { name: 'db__greet', arguments: { who: 'a' } }), real.deps).upstreamParams).toEqual({ name: 'greet', arguments: { who: 'a' } });
    const read = resolve(authenticated('resources/read', { uri: 'test://db/info' }), real.deps);
    expect([read.upstream, read.target]).toEqual(['db', { kind: 'resource', uri: 'test://db/info', upstream: 'db' }]);
    const completion = resolve(authenticated('completion/complete', { ref: { type: 'ref/prompt', name: 'db__greet' }, argument: { name: 'who', value: 'b' } }), real.deps);
    expect(completion.upstreamParams).toEqual({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'b' } });
  });

  it('answers an unknown tool, prompt and resource with their not-found codes', () => {
    expect(() => resolve(authenticated('tools/call', { name: 'db__nope' }), real.deps)).toThrow(expect.objectContaining({ code: 'TOOL_NOT_FOUND', details: { name: 'db__nope' } }));
    expect(() => resolve(authenticated('prompts/get', { name: 'echo' }), real.deps)).toThrow(expect.objectContaining({ code: 'PROMPT_NOT_FOUND' }));
    expect(() => resolve(authenticated('resources/read', { uri: 'test://elsewhere' }), real.deps)).toThrow(expect.objectContaining({ code: 'RESOURCE_NOT_FOUND', details: { uri: 'test://elsewhere' } }));
  });

  it('refuses params it routes by when they have the wrong shape, naming the field', () => {
    expect(() => resolve(authenticated('tools/call', { name: 3 }), real.deps)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', message: 'params.name: expected a string', details: { field: 'name' } }));
    expect(() => resolve(authenticated('tools/call', { name: 'db__echo', arguments: [1] }), real.deps)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', details: { field: 'arguments' } }));
  });

  it('answers a quarantined tool exactly like an unknown one, and carries an approved pin to the policy', () => {
    const pins = new Map<string, PinStatus>([
      ['echo', { available: false, digest: 'sha256:e', approved: false }],
      ['whoami', { available: true, digest: 'sha256:w', approved: true }],
    ]);
    const deps = { ...real.deps, integrity: { status: (_kind: 'tool' | 'prompt', _upstream: string, name: string) => pins.get(name) } };
    expect(() => resolve(authenticated('tools/call', { name: 'db__echo' }), deps)).toThrow(expect.objectContaining({ code: 'TOOL_NOT_FOUND', message: 'Unknown tool: db__echo' }));
    expect(resolve(authenticated('tools/call', { name: 'db__whoami' }), deps).target).toMatchObject({ kind: 'tool', pin: { available: true, digest: 'sha256:w' } });
  });
});
