import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../testkit/support/audit.ts';
import { startGatewayHttp, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { postModern } from '../../../testkit/support/rpc.ts';

/**
 * A stdio upstream that writes anything in answer to a call (testkit/fixtures/scripted-stdio.mjs):
 * lines that are no JSON, responses of any shape or with the wrong id, notifications and
 * requests, a U+2028 inside a string, a line cut short. A call always gets one well-formed
 * answer (its result, the upstream's error, or a timeout when nothing answers it), a valid answer
 * written after garbage in the same write still arrives, and the gateway stays up and logs no error.
 */
const SCRIPTED = fileURLToPath(new URL('../../../testkit/fixtures/scripted-stdio.mjs', import.meta.url));
let gateway: Awaited<ReturnType<typeof startGatewayHttp>>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-hostile-stdio-'));
  // `s` for the runs, whose unanswered calls end at a short timeout; `t`, the same upstream with a
  // long one, for what must be answered even on a loaded machine.
  const config = writeGatewayConfig(dir, {
    s: { command: process.execPath, args: [SCRIPTED], env: {}, timeout_ms: 400 },
    t: { command: process.execPath, args: [SCRIPTED], env: {}, timeout_ms: 20_000 },
    // Lists its tool with a schema 20,000 levels deep: it stopped the gateway at start (a stack overflow where definitions are pinned).
    deep: { command: process.execPath, args: [SCRIPTED], env: { SCRIPTED_SCHEMA_DEPTH: '20000' } },
    // 8 MB on stderr without a newline: node:readline held such a line whole (700 MB crashed the gateway).
    noisy: { command: process.execPath, args: [SCRIPTED], env: { SCRIPTED_STDERR_BYTES: '8000000' } },
    // 150,000 resources on one page: passed on as arguments of one push, they overflowed the stack and the upstream never connected.
    wide: { command: process.execPath, args: [SCRIPTED], env: { SCRIPTED_RESOURCES: '150000' } },
  });
  // The breaker would open after five failures in a row and answer the rest itself.
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), limits: { upstreams: { s: { breaker: { failures: 1000 } } } } }));
  gateway = await startGatewayHttp(config, { WARDEN_LOG_LEVEL: 'info' });
}, 60_000);
afterAll(() => gateway?.close());

const say = (lines: string[], unterminated?: number, upstream = 's') =>
  postModern(gateway.url, 'tools/call', { name: `${upstream}__say`, arguments: { lines, ...(unterminated === undefined ? {} : { unterminated }) } });
const RESULT = '{"jsonrpc":"2.0","id":$ID,"result":{"content":[{"type":"text","text":"ok"}]}}';

const json = fc.jsonValue({ maxDepth: 2 });
const line = fc.oneof(
  fc.constantFrom('', '{', 'null', 'not json', '[]', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":$ID,"result":{"text":"a\u2028b"}}', '{"jsonrpc":"2.0","id":$ID,"error":{"code":"x"}}', '{"jsonrpc":"2.0","id":"other","result":{}}', '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}', '{"jsonrpc":"2.0","id":99,"method":"roots/list"}'),
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.oneof(fc.constant('$ID'), json), result: json, error: json, method: fc.string({ maxLength: 12 }) }, { requiredKeys: [] }).map((m) => JSON.stringify(m).replace('"$ID"', '$ID')),
  fc.string({ maxLength: 30 }).filter((text) => !text.includes('\n')),
);

describe('a stdio upstream that writes anything', () => {
  it('still delivers an answer written after garbage in the same write', async () => {
    const answer = (await say(['not json', '{"jsonrpc":"2.0","id":"other","result":{}}', '{"id":$ID}', RESULT], undefined, 't')).body!;
    expect(answer.result?.content, JSON.stringify(answer)).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('fails a call whose answer nests deeper than 512 levels, naming why; an upstream listing a schema that deep loses its tools, not the gateway', async () => {
    const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    const deep = (await say([`{"jsonrpc":"2.0","id":$ID,"result":{"content":[],"structuredContent":{"v":${nested(20_000)}}}}`], undefined, 't')).body!;
    expect(deep.error?.message, JSON.stringify(deep)).toBe('Upstream "t" failed: its answer nests objects and arrays deeper than 512 levels');
    const fits = (await say([`{"jsonrpc":"2.0","id":$ID,"result":{"content":[],"structuredContent":{"v":${nested(500)}}}}`], undefined, 't')).body!;
    expect(JSON.stringify(fits.result?.structuredContent)).toBe(`{"v":${nested(500)}}`);
    const listed = (await postModern(gateway.url, 'tools/list', {})).body!;
    expect((listed.result?.tools as Array<{ name: string }>).map((tool) => tool.name).sort()).toEqual(['noisy__say', 's__say', 't__say', 'wide__say']);
    expect(gateway.stderr.some((text) => text.includes('"upstream":"deep"') && text.includes('nested deeper than 512 levels dropped'))).toBe(true);
  });

  it('lists an upstream with 150,000 resources on one page', async () => {
    const page = (await postModern(gateway.url, 'resources/list', {})).body!;
    expect((page.result?.resources as Array<{ uri: string }>)[0]?.uri, JSON.stringify(page).slice(0, 300)).toBe('file:///r/0');
    expect(typeof page.result?.nextCursor).toBe('string');
  });

  it('logs an endless stderr line by its first 16 KiB and reads on', async () => {
    const noisy = (await waitFor(() => gateway.stderr.filter((text) => text.includes('"upstream":"noisy"') && text.includes('"stream":"stderr"')), (lines) => lines.length >= 2)).map((text) => JSON.parse(text) as { msg: string; cutAtBytes?: number });
    // Its first two lines (it also logs "listed" whenever its tools are fetched).
    expect(noisy.slice(0, 2).map(({ msg, cutAtBytes }) => [msg.length, cutAtBytes])).toEqual([[16 * 1024, 16 * 1024], [5, undefined]]);
    expect(noisy[1]!.msg).toBe('after');
  });

  it('fetches the listing a few times for a storm of list_changed, not once each', async () => {
    const listed = () => gateway.stderr.filter((text) => text.includes('"upstream":"t"') && text.includes('"msg":"listed"')).length;
    const before = listed();
    const storm = Array.from({ length: 2000 }, () => '{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}');
    expect((await say([...storm, RESULT], undefined, 't')).body?.result?.content).toEqual([{ type: 'text', text: 'ok' }]);
    await waitFor(listed, (count) => count > before);
    // Whatever was queued has run: one more answer after a quiet moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(listed() - before).toBeGreaterThanOrEqual(1);
    expect(listed() - before).toBeLessThanOrEqual(5);
  });

  it('always gives the caller one well-formed answer, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 4 }), fc.boolean(), fc.option(fc.nat(3), { nil: undefined }), async (lines, answered, unterminated) => {
        // A line cut short runs into whatever the upstream writes next.
        const response = await say(answered ? [...lines, RESULT] : lines, unterminated);
        const body = response.body!;
        expect(('result' in body) !== ('error' in body), JSON.stringify(body)).toBe(true);
        if (body.error !== undefined) expect(typeof body.error.code).toBe('number');
      }),
      { numRuns: 25 },
    );
    // An empty line first ends whatever line the last run left cut short. Three tries: each has
    // only the short timeout, which a loaded machine may miss once.
    let answer: Awaited<ReturnType<typeof say>>['body'];
    for (let attempt = 0; attempt < 3 && answer?.result === undefined; attempt++) answer = (await say(['', RESULT])).body;
    expect(answer?.result?.content, JSON.stringify(answer)).toEqual([{ type: 'text', text: 'ok' }]);
    const errors = gateway.stderr.filter((text) => (JSON.parse(text) as { level?: number }).level! >= 50);
    expect(errors).toEqual([]);
  }, 120_000);
});
