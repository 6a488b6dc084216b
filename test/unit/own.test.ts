import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyWith } from '../../src/own.ts';

describe('copyWith - a copy with more fields, client data kept as data', () => {
  it('gives what the spread gives, for any JSON the client sends: every key kept as data, extra wins, data untouched', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('__proto__', 'constructor', 'toString', '_meta', 'x'), fc.jsonValue(), (value, key, extraValue) => {
        // JSON.parse is how client data arrives: it keeps `__proto__` as an own key.
        const data = JSON.parse(JSON.stringify({ [key]: value, _meta: { progressToken: 1 } })) as Record<string, unknown>;
        const before = JSON.stringify(data);
        const copy = copyWith(data, { _meta: extraValue });
        expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...data, _meta: extraValue }));
        expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
        expect(Object.keys(copy)).toEqual(Object.keys(data));
        expect(JSON.stringify(data)).toBe(before);
      }),
    );
  });

  it('keeps an own __proto__ key as a key and never as the prototype', () => {
    const data = JSON.parse('{"__proto__":{"polluted":true},"name":"t"}') as Record<string, unknown>;
    const copy = copyWith(data, { _meta: { traceparent: 't' } });
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"name":"t","_meta":{"traceparent":"t"}}');
  });

  it('copies nothing into an empty object when there is no data', () => {
    expect(copyWith(undefined, { progressToken: 'p' })).toEqual({ progressToken: 'p' });
    expect(copyWith(null, { progressToken: 'p' })).toEqual({ progressToken: 'p' });
  });

  // Why it exists (own.ts): on Node 20 `{ ...params, _meta }` gave every forwarded
  // request's params a hidden class of their own. V8's %HaveSameMap, in a child process that
  // allows it, tells the classes apart; the copies here are made as connection.ts makes them.
  it('gives every copy of the same shape one hidden class', () => {
    const module = fileURLToPath(new URL('../../src/own.ts', import.meta.url));
    const script = `
      import { copyWith } from ${JSON.stringify(module)};
      const copies = [];
      for (let i = 0; i < 5000; i++) {
        const params = JSON.parse('{"name":"echo","arguments":{"message":"m' + i + '"}}');
        copies.push(copyWith(params, { _meta: copyWith(params._meta, { traceparent: 't' + i }) }));
      }
      // And as the pipeline's stages add to its context.
      const contexts = [];
      for (let i = 0; i < 5000; i++) contexts.push(copyWith({ id: i, method: 'tools/call' }, { principal: { sub: 'u' + i } }));
      let classes = 1;
      for (let i = 4900; i < 4999; i++) {
        if (!%HaveSameMap(copies[i], copies[i + 1]) || !%HaveSameMap(copies[i]._meta, copies[i + 1]._meta) || !%HaveSameMap(contexts[i], contexts[i + 1])) classes++;
      }
      process.stdout.write(String(classes));
    `;
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('1');
  });
});
