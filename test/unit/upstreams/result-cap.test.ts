import { ProtocolError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { tooLargeLimit, tooLargeResponse } from '../../../src/upstreams/own-answers.ts';
import { CappedReadBuffer, type Dropped } from '../../../src/upstreams/result-cap.ts';

const line = (message: object) => Buffer.from(`${JSON.stringify(message)}\n`);
function buffer(limit: number) {
  const dropped: Dropped[] = [];
  const read = new CappedReadBuffer(limit, (d) => void dropped.push(d));
  const drain = () => {
    const out: unknown[] = [];
    for (let m = read.readMessage(); m !== null; m = read.readMessage()) out.push(m);
    return out;
  };
  return { read, dropped, drain };
}

describe('result cap - the stdio line buffer', () => {
  it('reads messages split anywhere across chunks, several per chunk, and skips blank lines', () => {
    const { read, drain } = buffer(1000);
    const bytes = Buffer.concat([line({ jsonrpc: '2.0', id: 1, result: {} }), Buffer.from('\n'), line({ jsonrpc: '2.0', method: 'notifications/x' })]);
    for (let i = 0; i < bytes.length; i += 7) read.append(bytes.subarray(i, i + 7));
    expect(drain()).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }, { jsonrpc: '2.0', method: 'notifications/x' }]);
  });

  it('drops a line over the cap while it streams in, answers its request with the marked error, and reads on', () => {
    const { read, dropped, drain } = buffer(100);
    const big = line({ result: { text: 'x'.repeat(5000) }, jsonrpc: '2.0', id: 7 });
    for (let i = 0; i < big.length; i += 64) read.append(big.subarray(i, i + 64));
    read.append(line({ jsonrpc: '2.0', id: 8, result: { ok: true } }));
    const [error, next] = drain() as [ReturnType<typeof tooLargeResponse>, unknown];
    expect(error).toMatchObject({ id: 7, error: { code: -32005, data: { bytes: big.length - 1, limit: 100 } } });
    expect(next).toEqual({ jsonrpc: '2.0', id: 8, result: { ok: true } });
    expect(dropped).toEqual([{ bytes: big.length - 1, id: 7 }]);
  });

  it('drops a line nested deeper than 512 levels, answers its request with the reason, and reads on', () => {
    const { read, dropped, drain } = buffer(1_000_000);
    const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    read.append(Buffer.from(`{"jsonrpc":"2.0","id":7,"result":{"v":${nested(600)}}}\n{"jsonrpc":"2.0","method":"notifications/x","params":{"v":${nested(600)}}}\n`));
    read.append(Buffer.from(`{"jsonrpc":"2.0","id":8,"result":{"v":${nested(500)}}}\n`));
    const [error, next] = drain() as [{ id: number; error: { message: string } }, { id: number }];
    expect(error).toMatchObject({ id: 7, error: { message: 'its answer nests objects and arrays deeper than 512 levels' } });
    expect(next.id).toBe(8);
    expect(dropped).toEqual([{ deeperThan: 512, id: 7 }, { deeperThan: 512, id: undefined }]);
  });

  it('never answers for a dropped request or notification from the upstream (its id is not one of ours)', () => {
    const { read, dropped, drain } = buffer(100);
    read.append(line({ method: 'sampling/createMessage', params: { text: 'y'.repeat(500) }, jsonrpc: '2.0', id: 3 }));
    expect(drain()).toEqual([]);
    expect(dropped).toEqual([{ bytes: expect.any(Number), id: undefined }]);
  });
});

describe('result cap - its own answer', () => {
  it('knows its own mark, and no upstream error can carry it', () => {
    const own = tooLargeResponse(1, 10, 5) as { error: { code: number; message: string; data: unknown } };
    expect(tooLargeLimit(new ProtocolError(own.error.code, own.error.message, own.error.data))).toBe(5);
    expect(tooLargeLimit(new ProtocolError(-32005, 'x', { mark: 'guessed', limit: 5 }))).toBeUndefined();
  });
});
