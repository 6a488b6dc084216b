/**
 * Issue 13, hole 2: a method named after an Object.prototype member (`constructor`, `toString`,
 * ...) was looked up in a plain object and answered with a strange result; names an upstream
 * gives its tools (`constructor`, `__proto__`) broke the catalog. Both must be ordinary strings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw } from '../../../testkit/support/rpc.ts';
import { openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

const PROTOTYPE_METHODS = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];

let id = 1;
let t: OpenWorld;

beforeAll(async () => void (t = await openRecordingWorld({ stdio: true })), 60_000);
afterAll(() => t?.close());

const request = (method: string, params: unknown = {}) => {
  const n = id++;
  return { n, text: JSON.stringify({ jsonrpc: '2.0', id: n, method, params }) };
};

describe('hole 2: Object.prototype member names are ordinary names', () => {
  it.each(PROTOTYPE_METHODS)('method %s answers -32601 over HTTP', async (method) => {
    const { n, text } = request(method);
    const answer = await postRaw(t.world.gateway.url, text, t.session);
    const reply = answer.messages.find((m) => m.id === n);
    expect(reply?.result).toBeUndefined();
    expect(reply?.error?.code).toBe(-32601);
  });

  it.each(PROTOTYPE_METHODS)('method %s answers -32601 over stdio', async (method) => {
    const { n, text } = request(method);
    const reply = await t.stdio.send(text, n);
    expect(reply.result).toBeUndefined();
    expect(reply.error?.code).toBe(-32601);
  });

  it('tools an upstream names constructor, __proto__ or toString are listed and called like any tool', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const { n, text } = request('tools/call', { name: 'up__add_tool', arguments: { name } });
      const added = await postRaw(t.world.gateway.url, text, t.session);
      expect(added.messages.find((m) => m.id === n)?.result?.isError).toBeUndefined();
    }
    let names: string[] = [];
    for (let tries = 0; tries < 100 && !names.includes('up__toString'); tries++) {
      const { n, text } = request('tools/list');
      const listed = await postRaw(t.world.gateway.url, text, t.session);
      names = (listed.messages.find((m) => m.id === n)?.result?.tools ?? []).map((t: { name: string }) => t.name);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(names).toEqual(expect.arrayContaining(['up__constructor', 'up____proto__', 'up__toString']));
    for (const name of ['constructor', '__proto__', 'toString']) {
      const { n, text } = request('tools/call', { name: `up__${name}`, arguments: {} });
      const called = await postRaw(t.world.gateway.url, text, t.session);
      expect(called.messages.find((m) => m.id === n)?.result?.content).toEqual([{ type: 'text', text: `runtime tool ${name}` }]);
    }
  }, 30_000);
});
