import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eachLine } from '../../src/each-line.ts';

/** The lines eachLine reports for `bytes` fed in the given chunks. */
async function linesOf(bytes: Buffer, cuts: number[]): Promise<string[]> {
  const input = new PassThrough();
  const lines: string[] = [];
  eachLine(input, (line) => lines.push(line));
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
    input.write(bytes.subarray(from, cut));
    from = cut;
  }
  input.end();
  await new Promise((resolve) => setImmediate(resolve));
  return lines;
}

describe('eachLine', () => {
  it('ends lines at "\\n" only, however the bytes are cut (mid-character too), with U+2028, U+2029 and "\\r" inside a line kept', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\u2028', '\u2029', '\r', '"', ' ', '{') });
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(200)), async (lines, cuts) => {
        const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''));
        // A "\r" right before the "\n" is the line end's, as readline's crlfDelay took it.
        expect(await linesOf(bytes, cuts)).toEqual(lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)));
      }),
      { numRuns: 500 },
    );
  });

  it('with maxLineBytes, reports a longer line by its first bytes as soon as it is that long, skips the rest, and reads on', async () => {
    const input = new PassThrough();
    const lines: Array<[string, boolean]> = [];
    eachLine(input, (line, cut) => lines.push([line, cut]), 8);
    input.write('short\n0123');
    input.write('456789abc');
    expect(lines).toEqual([['short', false], ['01234567', true]]);
    for (let i = 0; i < 100; i++) input.write('x'.repeat(1000));
    input.write('tail of the long line\nnext\n0123456789\n');
    input.end('end');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([['short', false], ['01234567', true], ['next', false], ['01234567', true], ['end', false]]);
  });

  it('reports what is left when the stream ends without a newline', async () => {
    expect(await linesOf(Buffer.from('{"a":1}\n{"b":"\u2028"}'), [3])).toEqual(['{"a":1}', '{"b":"\u2028"}']);
  });
});
