import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exactLines } from '../../../src/downstream/exact-lines.ts';

/** Writes `chunks` into exactLines; resolves with what went on and what was answered. */
async function run(chunks: Buffer[]): Promise<{ passed: Buffer; answered: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  const answered: Buffer[] = [];
  output.on('data', (chunk: Buffer) => answered.push(chunk));
  const lines = exactLines(input, output);
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
});
