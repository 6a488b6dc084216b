import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extend } from '../../src/extend.ts';

describe('extend - a copy of the gateway\'s own objects with more fields', () => {
  it('gives what the spread gives: base first, extra wins, base untouched', () => {
    const base = { a: 1, b: 2 };
    const copy = extend(base, { b: 3, c: 4 });
    expect(copy).toEqual({ a: 1, b: 3, c: 4 });
    expect(Object.keys(copy)).toEqual(['a', 'b', 'c']);
    expect(base).toEqual({ a: 1, b: 2 });
    expect(copy).not.toBe(base);
  });

  // The reason extend exists (extend.ts): on Node 20 a spread copy made where the spread sees one
  // shape (every call site on the call path) gave every copy a hidden class of its own. V8's
  // %HaveSameMap, in a child process that allows it, tells the classes apart.
  it('gives every copy of the same shape one hidden class', () => {
    const module = fileURLToPath(new URL('../../src/extend.ts', import.meta.url));
    const script = `
      import { extend } from ${JSON.stringify(module)};
      const copies = [];
      for (let i = 0; i < 5000; i++) copies.push(extend({ id: i, method: 'tools/call' }, { principal: { sub: 'u' + i } }));
      let classes = 1;
      for (let i = 4900; i < 4999; i++) if (!%HaveSameMap(copies[i], copies[i + 1])) classes++;
      process.stdout.write(String(classes));
    `;
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('1');
  });
});
