import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyMessage, classifyMessageBySdk, type MirroredHeaders } from '../../../src/downstream/era.ts';

const PV = 'io.modelcontextprotocol/protocolVersion';
const CI = 'io.modelcontextprotocol/clientInfo';
const CC = 'io.modelcontextprotocol/clientCapabilities';
const LL = 'io.modelcontextprotocol/logLevel';

const VALID_META = { [PV]: '2026-07-28', [CI]: { name: 'c', version: '1' }, [CC]: {} };
const request = (meta: Record<string, unknown>, method = 'tools/call') => ({ jsonrpc: '2.0', id: 7, method, params: { name: 't', _meta: meta } });

/**
 * An optional key: its first (valid) value half the time, else absent or one of the others. The
 * bias makes most messages differ from a valid one in one or two places, where the rules are.
 */
const maybe = <T>(valid: T, ...others: T[]) =>
  fc.oneof({ arbitrary: fc.constant<T | undefined>(valid), weight: 1 }, { arbitrary: fc.option(fc.constantFrom(valid, ...others), { nil: undefined }), weight: 1 });

/** Near-valid envelopes: each part valid, wrong or absent, so both the fast path and the SDK's rules are exercised. */
const meta = fc
  .record({
    version: maybe<unknown>('2026-07-28', '2025-11-25', '2027-01-01', 5, ''),
    info: maybe<unknown>({ name: 'c', version: '1' }, { name: 'c' }, { name: 'c', version: '1', title: 't', extra: 1 }, 'c'),
    caps: maybe<unknown>({}, { sampling: {} }, { tasks: {} }, { tasks: 'x' }, { roots: { listChanged: 'yes' } }, { elicitation: {} }, { extensions: { a: {} } }, 'x', { other: 1 }),
    level: maybe<unknown>('info', 'loud'),
    progress: maybe<unknown>(1, 'p', 1.5, {}),
    other: maybe<unknown>({}, { 'vendor/x': 1 }),
  })
  .map(({ version, info, caps, level, progress, other }) => {
    const m: Record<string, unknown> = { ...(other as object | undefined) };
    if (version !== undefined) m[PV] = version;
    if (info !== undefined) m[CI] = info;
    if (caps !== undefined) m[CC] = caps;
    if (level !== undefined) m[LL] = level;
    if (progress !== undefined) m.progressToken = progress;
    return m;
  });

const body = fc
  .record({
    jsonrpc: maybe<unknown>('2.0', '1.0'),
    id: maybe<unknown>(1, 'a', 1.5, null, {}),
    method: maybe<unknown>('tools/call', 'tools/list', 'initialize', 'server/discover', 'notifications/initialized', 3),
    params: fc.option(fc.oneof({ arbitrary: meta.map((m) => ({ name: 't', _meta: m })), weight: 4 }, { arbitrary: fc.constantFrom<unknown>({ name: 't' }, 'p', [], { _meta: 'm' }), weight: 1 }), { nil: undefined }),
    extra: maybe<Record<string, unknown>>({}, { result: {} }, { error: { code: 1, message: 'm' } }, { foo: 1 }),
  })
  .map(({ jsonrpc, id, method, params, extra }) => {
    const b: Record<string, unknown> = { ...extra };
    if (jsonrpc !== undefined) b.jsonrpc = jsonrpc;
    if (id !== undefined) b.id = id;
    if (method !== undefined) b.method = method;
    if (params !== undefined) b.params = params;
    return b;
  });

const headers: fc.Arbitrary<MirroredHeaders> = fc
  .record({ version: maybe('2026-07-28', '2025-11-25', ' 2026-07-28\t'), method: maybe('tools/call', 'tools/list', ' tools/call') })
  .map(({ version, method }) => ({ ...(version === undefined ? {} : { protocolVersionHeader: version }), ...(method === undefined ? {} : { mcpMethodHeader: method }) }));

describe('era classification', () => {
  it('the fast path for common new-era requests answers exactly as the SDK classifier does, on generated messages', () => {
    let modern = 0;
    fc.assert(
      fc.property(body, headers, (b, h) => {
        const classified = classifyMessage(b, h);
        expect(classified).toEqual(classifyMessageBySdk(b, h));
        if (classified.era === 'modern') modern++;
      }),
      { numRuns: 4_000 },
    );
    // The generator must reach the fast path often, or this test proves nothing about it. About
    // 3.3% of messages do (1,000 random seeds of 1,000 runs: 16 to 54, median 33; once 13 in CI),
    // so 4,000 runs give about 130 and 40 is far in the tail.
    expect(modern).toBeGreaterThan(40);
  });

  it('whatever it classifies as new era is one JSON-RPC message by the schema the old-era path checks, on generated messages', () => {
    // downstream/http.ts checks that schema only for what is not new era.
    let modern = 0;
    fc.assert(
      fc.property(body, headers, (b, h) => {
        if (classifyMessage(b, h).era !== 'modern') return;
        modern++;
        expect(JSONRPCMessageSchema.safeParse(b).success).toBe(true);
      }),
      { numRuns: 4_000 },
    );
    expect(modern).toBeGreaterThan(40);
  });

  it('classifies a well-formed new-era request as modern, with the body object itself as the message', () => {
    const b = request(VALID_META);
    const classified = classifyMessage(b, { protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/call' });
    expect(classified).toEqual({ era: 'modern', kind: 'request', message: b, protocolVersion: '2026-07-28' });
    expect(classified.era === 'modern' && classified.message).toBe(b);
  });

  it('refuses an envelope whose capabilities are malformed, as the SDK does (-32602, HTTP 400)', () => {
    const classified = classifyMessage(request({ ...VALID_META, [CC]: { roots: { listChanged: 'yes' } } }));
    expect(classified).toMatchObject({ era: 'reject', rejection: { status: 400, id: 7, error: { code: -32602 } } });
  });

  it('refuses a version header that contradicts the envelope (-32020), and an unserved version (-32022)', () => {
    expect(classifyMessage(request(VALID_META), { protocolVersionHeader: '2025-11-25' })).toMatchObject({ era: 'reject', rejection: { error: { code: -32020 } } });
    expect(classifyMessage(request({ ...VALID_META, [PV]: '2027-01-01' }))).toMatchObject({ era: 'reject', rejection: { error: { code: -32022 } } });
  });
});
