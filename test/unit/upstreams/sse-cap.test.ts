import { describe, expect, it } from 'vitest';
import type { Dropped } from '../../../src/upstreams/result-cap.ts';
import { cappedEventStream } from '../../../src/upstreams/sse-cap.ts';

/**
 * The legacy SSE event stream capped before the SDK reads it: events under the cap pass byte for
 * byte (however the chunks fall), an event over it is cut off while read and becomes the "too
 * large" answer for its id, or nothing when it answers no request.
 */
const LIMIT = 64 * 1024;

async function run(chunks: Array<string | Buffer>): Promise<{ out: string; dropped: Dropped[]; largestChunk: number }> {
  const dropped: Dropped[] = [];
  const stream = cappedEventStream(LIMIT, (d) => void dropped.push(d));
  const writer = stream.writable.getWriter();
  const reading = (async () => {
    let out = '';
    let largestChunk = 0;
    for await (const chunk of stream.readable) {
      largestChunk = Math.max(largestChunk, chunk.byteLength);
      out += Buffer.from(chunk).toString('utf8');
    }
    return { out, largestChunk };
  })();
  for (const chunk of chunks) await writer.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  await writer.close();
  return { ...(await reading), dropped };
}

/** `text` in pieces of `size` bytes, as a socket delivers it. */
const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
const message = (value: unknown) => `event: message\ndata: ${JSON.stringify(value)}\n\n`;

describe('legacy SSE result cap', () => {
  it('passes events under the cap unchanged, split anywhere, with LF or CRLF line ends', async () => {
    const events = `event: endpoint\r\ndata: /messages?sessionId=1\r\n\r\n${message({ jsonrpc: '2.0', id: 1, result: { text: 'x'.repeat(2000) } })}: keep-alive\n\n`;
    for (const size of [1, 7, 4096]) expect((await run(pieces(events, size))).out).toBe(events);
  });

  it('cuts an answer over the cap while reading it and answers its id with the too-large error, result or error alike', async () => {
    const big = 'y'.repeat(5 * LIMIT);
    const result = message({ result: { content: [{ type: 'text', text: big }] }, jsonrpc: '2.0', id: 7 });
    const error = message({ jsonrpc: '2.0', id: 'e-8', error: { code: -32603, message: big } });
    const { out, dropped, largestChunk } = await run([...pieces(result, 16 * 1024), ...pieces(error, 16 * 1024), message({ jsonrpc: '2.0', id: 9, result: {} })]);
    const answers = out.split('\n\n').filter(Boolean).map((event) => JSON.parse(event.replace(/^event: message\ndata: /, '')) as { id: unknown; error?: { code: number; data: { limit: number } } });
    expect(answers.map((a) => [a.id, a.error?.code, a.error?.data.limit])).toEqual([[7, -32005, LIMIT], ['e-8', -32005, LIMIT], [9, undefined, undefined]]);
    expect(dropped).toEqual([{ bytes: Buffer.byteLength(result), id: 7 }, { bytes: Buffer.byteLength(error), id: 'e-8' }]);
    // Nothing near the big events' size was ever passed on whole.
    expect(largestChunk).toBeLessThan(LIMIT);
  });

  it('replaces an event nested deeper than 512 levels by the answer naming why for its id, or nothing', async () => {
    const nested = `${'['.repeat(600)}1${']'.repeat(600)}`;
    const { out, dropped } = await run([`event: message\ndata: {"jsonrpc":"2.0","id":5,"result":{"v":${nested}}}\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/x","params":${nested}}\n\n`]);
    const answers = out.split('\n\n').filter(Boolean).map((event) => JSON.parse(event.replace(/^event: message\ndata: /, '')) as { id: unknown; error?: { message: string } });
    expect(answers).toMatchObject([{ id: 5, error: { message: 'its answer nests objects and arrays deeper than 512 levels' } }]);
    expect(dropped).toEqual([{ deeperThan: 512, id: 5 }, { deeperThan: 512, id: undefined }]);
  });

  it('raises a retry below 250 ms to 250 ms and leaves a longer one as it is', async () => {
    const { out } = await run(['retry: 0\nevent: endpoint\ndata: /messages\n\n', 'retry:5000\n\n', 'retry: 10\r\n\r\n']);
    expect(out).toBe('retry: 250\nevent: endpoint\ndata: /messages\n\nretry:5000\n\nretry: 250\r\n\r\n');
  });

  it('drops a notification or server request over the cap without answering anything', async () => {
    const { out, dropped } = await run([message({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'z'.repeat(2 * LIMIT) } }), message({ jsonrpc: '2.0', id: 3, method: 'roots/list', params: { pad: 'z'.repeat(2 * LIMIT) } })]);
    expect(out).toBe('');
    expect(dropped.map((d) => d.id)).toEqual([undefined, undefined]);
  });
});
