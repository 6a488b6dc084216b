import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/auth/principal.ts';
import { sealerFor } from '../../../src/seal.ts';
import { type Continuation, continueResolved, openContinuation, type RequestStateSealer, sealApprovalAsked, sealInputRequired } from '../../../src/pipeline/continuation.ts';
import type { Authenticated, Recorded, Resolved } from '../../../src/pipeline/context.ts';

/**
 * The input_required relay's state (issue 11): sealed under the gateway's key around the
 * upstream's own, bound to the principal, the request and an expiry; every other state refused
 * with its own code. Real AES-256-GCM sealing (src/seal.ts), a clock passed in.
 */
const sealerOf = (secret: string): RequestStateSealer => sealerFor('request-state', secret);
const KEY = 'k'.repeat(40);
const sealer = sealerOf(KEY);
const principal = (sub: string): Principal => ({ sub, iss: 'https://idp.example.com', aud: ['mcp-warden'], scopes: [], roles: [], claims: {}, expiresAt: 0, tokenId: 't' });
const session = { id: 's', transport: 'http' as const, protocolVersion: '2026-07-28', channel: { request: async () => ({}) } };

function request(params: Record<string, unknown>, sub = 'alice'): Authenticated {
  return { method: 'tools/call', params, session, requestId: 1, token: undefined, signal: new AbortController().signal, principal: principal(sub), startedAt: 0 };
}

/** The first round as forward leaves it: the upstream's input_required, sealed for alice. */
function firstRound(now = 1_000, ttl = 60_000): string {
  const recorded = {
    ...request({ name: 'm__confirm', arguments: { action: 'x' } }),
    upstream: 'm',
    upstreamParams: {},
    target: { kind: 'resource', uri: 'unused', upstream: 'm' },
    decision: { allow: true, reasons: [], decisionId: 'first-decision', revision: 'r' },
  } as unknown as Recorded;
  const result = sealInputRequired({ resultType: 'input_required', inputRequests: { confirm: {} }, requestState: 'upstream-own' }, recorded, sealer, now + ttl);
  expect(result.inputRequests).toEqual({ confirm: {} });
  expect(result.requestState).not.toContain('upstream-own');
  return result.requestState as string;
}

describe('continuation - the relayed requestState', () => {
  it('opens for the same principal and request, and gives the upstream back its own state', () => {
    const state = firstRound();
    const continuation = openContinuation(request({ name: 'm__confirm', arguments: { action: 'x' }, requestState: state }), sealer, 2_000) as Continuation;
    expect(continuation).toMatchObject({ upstream: 'm', decisionId: 'first-decision', state: 'upstream-own', sub: 'alice' });
    const resolved = { upstream: 'm', upstreamParams: { name: 'confirm', requestState: state, inputResponses: { confirm: {} } } } as unknown as Resolved;
    expect(continueResolved(resolved, continuation)).toMatchObject({ continues: 'first-decision', upstreamParams: { name: 'confirm', requestState: 'upstream-own', inputResponses: { confirm: {} } } });
  });

  it('is absent when the request brings no requestState', () => {
    expect(openContinuation(request({ name: 'm__confirm' }), sealer, 0)).toBeUndefined();
  });

  it('refuses an altered state, one sealed under another key and one that is not a string as REQUEST_STATE_INVALID', () => {
    const state = firstRound();
    const flipped = `${state.slice(0, 20)}${state[20] === 'A' ? 'B' : 'A'}${state.slice(21)}`;
    for (const bad of [flipped, sealerOf('o'.repeat(40)).seal(openContinuation(request({ name: 'm__confirm', requestState: state }), sealer, 0)!), 42, 'garbage']) {
      expect(() => openContinuation(request({ name: 'm__confirm', requestState: bad }), sealer, 2_000)).toThrow(expect.objectContaining({ code: 'REQUEST_STATE_INVALID' }));
    }
  });

  it('refuses another principal as REQUEST_STATE_FOREIGN', () => {
    expect(() => openContinuation(request({ name: 'm__confirm', requestState: firstRound() }, 'bob'), sealer, 2_000)).toThrow(expect.objectContaining({ code: 'REQUEST_STATE_FOREIGN' }));
  });

  it('refuses a state past its expiry as REQUEST_STATE_EXPIRED', () => {
    const state = firstRound(1_000, 500);
    expect(openContinuation(request({ name: 'm__confirm', requestState: state }), sealer, 1_500)).toBeDefined();
    expect(() => openContinuation(request({ name: 'm__confirm', requestState: state }), sealer, 1_501)).toThrow(expect.objectContaining({ code: 'REQUEST_STATE_EXPIRED' }));
  });

  it('refuses a state brought to another tool, or to a name that now leads to another upstream', () => {
    const state = firstRound();
    expect(() => openContinuation(request({ name: 'm__echo', requestState: state }), sealer, 2_000)).toThrow(expect.objectContaining({ code: 'REQUEST_STATE_INVALID' }));
    const continuation = openContinuation(request({ name: 'm__confirm', requestState: state }), sealer, 2_000)!;
    expect(() => continueResolved({ upstream: 'other', upstreamParams: {} } as unknown as Resolved, continuation)).toThrow(expect.objectContaining({ code: 'REQUEST_STATE_INVALID' }));
  });

  it('carries an approval given to the forwarded call into the next round, and keeps the answer to its own question from the upstream', () => {
    const binding = { argumentsSha256: 'a'.repeat(64), toolDigest: 'b'.repeat(64), policyRevision: 'r' };
    const recorded = {
      ...request({ name: 'm__confirm', arguments: { action: 'x' } }),
      upstream: 'm', upstreamParams: {}, target: { kind: 'resource', uri: 'unused', upstream: 'm' },
      decision: { allow: true, reasons: [], decisionId: 'approved-decision', revision: 'r' },
      approval: { reason: 'why', mode: 'caller', result: 'approved', by: 'caller:alice', binding },
    } as unknown as Recorded;
    const relayed = sealInputRequired({ resultType: 'input_required', requestState: 'upstream-own' }, recorded, sealer, 60_000);
    const given = openContinuation(request({ name: 'm__confirm', requestState: relayed.requestState }), sealer, 2_000)!;
    expect(given.approval).toEqual({ status: 'given', reason: 'why', binding, by: 'caller:alice' });
    const resolved = { upstream: 'm', upstreamParams: { name: 'confirm', requestState: relayed.requestState, inputResponses: { confirm: {} } } } as unknown as Resolved;
    expect(continueResolved(resolved, given)).toMatchObject({ sealedApproval: { status: 'given' }, upstreamParams: { requestState: 'upstream-own', inputResponses: { confirm: {} } } });

    const asked = sealApprovalAsked(recorded, { reason: 'why', binding }, sealer, 60_000);
    const question = openContinuation(request({ name: 'm__confirm', requestState: asked }), sealer, 2_000)!;
    expect(question).toMatchObject({ state: null, decisionId: 'approved-decision', approval: { status: 'asked', binding } });
    const retry = continueResolved({ upstream: 'm', upstreamParams: { name: 'confirm', requestState: asked, inputResponses: { 'mcp-warden-approval': { action: 'accept' } } } } as unknown as Resolved, question);
    expect(retry.upstreamParams).toEqual({ name: 'confirm' });
    expect(retry.sealedApproval).toMatchObject({ status: 'asked' });
  });

  it('names the parked call of an old-era upstream (its process and id), and keeps the answers for it', () => {
    const recorded = {
      ...request({ name: 'ks__sample', arguments: { prompt: 'p' } }),
      upstream: 'ks',
      upstreamParams: {},
      decision: { allow: true, reasons: [], decisionId: 'parked-decision', revision: 'r' },
    } as unknown as Recorded;
    const inputRequests = { 'mcp-warden-relay-1': { method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } } };
    const sealed = sealInputRequired({ resultType: 'input_required', inputRequests }, recorded, sealer, 60_000, { id: 'call-1', instance: 'process-a' });
    expect(sealed.inputRequests).toBe(inputRequests);
    const opened = openContinuation(request({ name: 'ks__sample', requestState: sealed.requestState }), sealer, 2_000)!;
    expect(opened).toMatchObject({ state: null, decisionId: 'parked-decision', pending: { id: 'call-1', instance: 'process-a' } });
    const answers = { 'mcp-warden-relay-1': { role: 'assistant', model: 'm', content: { type: 'text', text: 't' } } };
    const retry = continueResolved({ upstream: 'ks', upstreamParams: { name: 'sample', arguments: { prompt: 'p' }, requestState: sealed.requestState, inputResponses: answers } } as unknown as Resolved, opened);
    expect(retry).toMatchObject({ continues: 'parked-decision', resumes: { id: 'call-1', instance: 'process-a' } });
    expect(retry.upstreamParams).toEqual({ name: 'sample', arguments: { prompt: 'p' }, inputResponses: answers });
  });
});
