import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, RegoError } from '../src/index.ts';

/**
 * Policies are files people edit: whatever their text, compiling and evaluating them ends in a
 * value or a RegoError naming the place, never another exception (a TypeError or a stack overflow
 * reaches the operator as a stack trace, or stops a gateway reload). Real policies (the corpus)
 * are cut, spliced and sprinkled with Rego's tokens. 20,000 runs by hand found nothing once the
 * chains of the parser were bounded (limits.test.ts); `FUZZ_RUNS` runs more.
 */
const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const regoFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return regoFiles(path);
    return path.endsWith('.rego') ? [path] : [];
  });
const SOURCES = regoFiles(CORPUS).map((path) => readFileSync(path, 'utf8'));
const TOKENS = ['{', '}', '[', ']', '(', ')', ',', ';', ':=', '=', '==', '|', '&', '+', '-', '*', '/', '.', '\n', ' ', '#', 'not', 'some', 'every', 'in', 'if', 'else', 'with', 'as', 'contains', 'default', 'import', 'package', 'x', '_', 'input', 'data', '"s"', '`r`', '1', '1e400', '-0', 'true', 'null', 'count(', '$"{', '}"', '"\\u0000"', '\u202e', '__proto__', 'constructor'];

const edit = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), source: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 60 }) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, change: Edit): string {
  const at = change.at % (text.length + 1);
  if (change.kind === 'insert') return text.slice(0, at) + change.text + text.slice(at);
  if (change.kind === 'delete') return text.slice(0, at) + text.slice(at + change.length);
  const source = SOURCES[change.source % SOURCES.length]!;
  const from = change.from % (source.length + 1);
  return text.slice(0, at) + source.slice(from, from + change.length) + text.slice(at);
}

describe('rego: any edit of a real policy', () => {
  it('compiles and evaluates, or is refused with a RegoError', () => {
    expect(SOURCES.length).toBeGreaterThan(5);
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, edits) => {
        const text = edits.reduce(apply, SOURCES[which % SOURCES.length]!);
        try {
          compile({ 'm.rego': text }).evaluate('x = data', { input: { a: 1, b: [1, 2] } });
        } catch (error) {
          if (!(error instanceof RegoError)) throw error;
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});
