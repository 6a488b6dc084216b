import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exactLines } from '../../../src/downstream/exact-lines.ts';

/** Writes `chunks` into exactLines; resolves with what went on and what was answered. */
async function run(chunks: Buffer[], maxLineBytes = 1024 * 1024): Promise<{ passed: Buffer; answered: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  const answered: Buffer[] = [];
  output.on('data', (chunk: Buffer) => answered.push(chunk));
  const lines = exactLines(input, output, { maxLineBytes, maxJsonDepth: 64 });
  const passed: Buffer[] = [];
  lines.on('data', (chunk: Buffer) => passed.push(chunk));
  const ended = new Promise((resolve) => lines.once('end', resolve));
  for (const chunk of chunks) input.write(chunk);
  input.end();
  await ended;
  return { passed: Buffer.concat(passed), answered: Buffer.concat(answered).toString('utf8') };
}

describe('exactLines', () => {
  it('passes the bytes unchanged when a character is split across two reads', async () => {
    const bytes = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"é€😀"}}\n{"id":2}\n', 'utf8');
    const split = bytes.indexOf(Buffer.from('€')) + 1;
    const { passed, answered } = await run([bytes.subarray(0, split), bytes.subarray(split)]);
    expect(passed.equals(bytes)).toBe(true);
    expect(answered).toBe('');
  });

  it('holds back only the line with an inexact number, answers it, and keeps the others as sent', async () => {
    const good = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"ü"}}';
    const bad = '{"jsonrpc":"2.0","id":2,"method":"ping","params":{"n":9007199254740993}}';
    const { passed, answered } = await run([Buffer.from(`${good}\n${bad}\n${good}\npartial`)]);
    expect(passed.toString('utf8')).toBe(`${good}\n${good}\npartial`);
    const reply = JSON.parse(answered) as { id: number; error: { data: { code: string } } };
    expect(reply.id).toBe(2);
    expect(reply.error.data.code).toBe('REQUEST_NUMBER_INEXACT');
  });

  it('drops a line over the limit as it is read and answers the request with its id; the next line goes on', async () => {
    const big = `{"jsonrpc":"2.0","id":"big-1","method":"tools/call","params":{"arguments":{"s":"${'x'.repeat(5000)}"}}}`;
    const next = '{"jsonrpc":"2.0","id":2,"method":"ping"}';
    const bytes = Buffer.from(`${big}\n${next}\n`);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 700) }, (_, index) => bytes.subarray(index * 700, (index + 1) * 700));
    const { passed, answered } = await run(chunks, 1000);
    expect(passed.toString('utf8')).toBe(`${next}\n`);
    const reply = JSON.parse(answered) as { id: unknown; error: { code: number; message: string; data: { code: string } } };
    expect(reply).toMatchObject({ id: 'big-1', error: { code: -32600, data: { code: 'REQUEST_TOO_LARGE' } } });
    expect(reply.error.message).toMatch(/exceeds 1000 bytes/);
  });

  it('drops an overlong line that came in one read, answering with a null id when the line shows none', async () => {
    const big = `{"jsonrpc":"2.0","method":"tools/call","params":{"s":"${'y'.repeat(3000)}"},"id":[1]}`;
    const { passed, answered } = await run([Buffer.from(`{"id":1}\n${big}\n{"id":3}\n`)], 1000);
    expect(passed.toString('utf8')).toBe('{"id":1}\n{"id":3}\n');
    expect(JSON.parse(answered)).toMatchObject({ id: null, error: { data: { code: 'REQUEST_TOO_LARGE' } } });
  });

  it('drops a client response over the limit without answering it', async () => {
    const big = `{"jsonrpc":"2.0","id":4,"result":{"content":"${'z'.repeat(3000)}"}}`;
    const { passed, answered } = await run([Buffer.from(`${big}\n`)], 1000);
    expect(passed.length).toBe(0);
    expect(answered).toBe('');
  });

  it('holds no more than the limit of a line that never ends', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const lines = exactLines(input, output, { maxLineBytes: 1000, maxJsonDepth: 64 });
    const passed: Buffer[] = [];
    lines.on('data', (chunk: Buffer) => passed.push(chunk));
    const ended = new Promise((resolve) => lines.once('end', resolve));
    for (let index = 0; index < 1000; index += 1) input.write(Buffer.alloc(1000, 0x61));
    input.end();
    await ended;
    // A stream's unfinished last line goes on at its end as it was; without the limit this one
    // was held whole (a million bytes) and handed on, with it nothing of it is held.
    expect(Buffer.concat(passed).length).toBe(0);
  });
});
