import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writesPerTick } from '../../src/tick-writes.ts';

/** A real Writable that records each call its implementation gets: one `_write` or `_writev` is one system call on a pipe. */
function recording(highWaterMark = 16 * 1024): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      calls.push([chunk]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => chunk as string));
      done();
    },
  });
  return { stream, calls };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('writesPerTick', () => {
  it('hands the writes of one turn to the stream together, in order, and calls each callback', async () => {
    const { stream, calls } = recording();
    writesPerTick(stream);
    const written: number[] = [];
    stream.write('a\n', () => written.push(1));
    stream.write('b\n', () => written.push(2));
    await Promise.resolve();
    stream.write('c\n', () => written.push(3));
    expect(calls).toEqual([]);
    await turn();
    expect(calls).toEqual([['a\n', 'b\n', 'c\n']]);
    expect(written).toEqual([1, 2, 3]);
  });

  it('writes of different turns leave separately', async () => {
    const { stream, calls } = recording();
    writesPerTick(stream);
    stream.write('a\n');
    await turn();
    stream.write('b\n');
    await turn();
    expect(calls).toEqual([['a\n'], ['b\n']]);
  });

  it('keeps the backpressure signal and flushes what end() is given', async () => {
    const { stream, calls } = recording(4);
    writesPerTick(stream);
    expect(stream.write('ab')).toBe(true);
    expect(stream.write('cdef')).toBe(false);
    const finished = new Promise((resolve) => stream.once('finish', resolve));
    stream.end('g');
    await finished;
    expect(calls.flat()).toEqual(['ab', 'cdef', 'g']);
  });
});
