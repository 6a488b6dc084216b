import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeEvent } from '../../../src/audit/sink.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { startHttpFixture, type HttpFixture } from '../../../testkit/fixtures/relay-server-http.ts';
import { MemoryAuditSink } from '../../../testkit/support/engines.ts';

/**
 * max_result_bytes on every upstream transport, with real fixture upstreams that return large
 * results: stdio (the SDK's own buffer closed the connection past 10 MiB, with nothing logged),
 * Streamable HTTP answering with SSE and with a JSON body, and legacy SSE (whose events are now
 * capped while read, error answers too: before, an over-cap error answer passed whole). The
 * client's own transport changes nothing: /sse gets the same answer as /mcp.
 */
const MIB = 1024 * 1024;
const audit = new MemoryAuditSink();
const dropped: string[] = [];
const fixtures: HttpFixture[] = [];
let gw: TestGateway;
beforeAll(async () => {
  const [sse, json, legacy] = await Promise.all([
    startHttpFixture('http', 'sse-answers'),
    startHttpFixture('http', 'json-answers', 0, { jsonResponse: true }),
    startHttpFixture('sse', 'legacy'),
  ]);
  fixtures.push(sse, json, legacy);
  gw = await startTestGateway({
    config: {
      mcpServers: {
        pipe: relayServer('pipe'),
        stream: { type: 'http', url: sse.url },
        body: { type: 'http', url: json.url },
        old: { type: 'sse', url: legacy.url },
      },
      // stdio keeps the default cap (16 MiB); the others are capped at 1 MiB.
      limits: { upstreams: { stream: { max_result_bytes: MIB }, body: { max_result_bytes: MIB }, old: { max_result_bytes: MIB } } },
    },
    audit,
    limitEvents: { resultTooLarge: (upstream) => void dropped.push(upstream) },
  });
});
afterAll(async () => {
  await gw?.close();
  await Promise.all(fixtures.map((f) => f.close()));
});

const outcomes = () => audit.events.filter((e) => e.type === 'outcome').map((e) => e.event as OutcomeEvent);

describe.each([
  ['stdio', 'pipe', 20 * MIB, 16 * MIB],
  ['Streamable HTTP (SSE answer)', 'stream', 5 * MIB, MIB],
  ['Streamable HTTP (JSON answer)', 'body', 5 * MIB, MIB],
  ['legacy SSE', 'old', 5 * MIB, MIB],
])('limits - result size over %s', (_label, upstream, big, limit) => {
  it('answers RESULT_TOO_LARGE with the limit, records the outcome, and keeps the connection for the next call', async () => {
    const client = await gw.connect();
    const before = outcomes().length;
    await expect(client.callTool({ name: `${upstream}__echo`, arguments: { message: 'abcdefgh', bytes: big } })).rejects.toMatchObject({
      code: -32005, data: { code: 'RESULT_TOO_LARGE', upstream, limit },
    });
    expect(outcomes().slice(before)).toEqual([expect.objectContaining({ outcome: 'upstream_error', errorCode: 'RESULT_TOO_LARGE' })]);
    expect(dropped).toContain(upstream);
    // The same connection answers the next call: nothing was torn down.
    expect(gw.gateway.upstreams.get(upstream)!.state).toBe('ready');
    const small = await client.callTool({ name: `${upstream}__echo`, arguments: { message: 'still here' } });
    expect((small.content as Array<{ text: string }>)[0]!.text).toBe('still here');
  });

  it('answers RESULT_TOO_LARGE for an error answer over the cap too', async () => {
    const client = await gw.connect();
    await expect(client.callTool({ name: `${upstream}__echo`, arguments: { message: 'abcdefgh', bytes: big, fail: true } })).rejects.toMatchObject({
      code: -32005, data: { code: 'RESULT_TOO_LARGE', upstream, limit },
    });
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'upstream_error', errorCode: 'RESULT_TOO_LARGE' });
  });

  it('passes an answer under the cap whole', async () => {
    const client = await gw.connect();
    const under = limit - 64 * 1024;
    const result = await client.callTool({ name: `${upstream}__echo`, arguments: { message: 'abcdefgh', bytes: under } });
    expect((result.content as Array<{ text: string }>)[0]!.text).toHaveLength(under);
  });
});

describe('limits - result size to a client on the legacy /sse endpoint', () => {
  it('answers RESULT_TOO_LARGE as on /mcp, from a stdio and a legacy SSE upstream', async () => {
    const client = await gw.connect({ legacySse: true });
    for (const [upstream, big, limit] of [['pipe', 20 * MIB, 16 * MIB], ['old', 5 * MIB, MIB]] as const) {
      await expect(client.callTool({ name: `${upstream}__echo`, arguments: { message: 'abcdefgh', bytes: big } })).rejects.toMatchObject({
        code: -32005, data: { code: 'RESULT_TOO_LARGE', upstream, limit },
      });
      expect(outcomes().at(-1)).toMatchObject({ outcome: 'upstream_error', errorCode: 'RESULT_TOO_LARGE' });
    }
  });
});
