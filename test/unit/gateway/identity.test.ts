import { describe, expect, it } from 'vitest';
import { ServerIdentity } from '../../../src/gateway/identity.ts';

/**
 * Results name the gateway (gateway/identity.ts). Found with the Python SDK as an upstream: it
 * stamps `_meta['io.modelcontextprotocol/serverInfo']` on every new-era result, and the gateway
 * relayed that stamp, so callers read the upstream's name and version on each result.
 */
const KEY = 'io.modelcontextprotocol/serverInfo';
const ours = { name: 'mcp-warden', version: '9.9.9' };
const identity = new ServerIdentity(ours);
// JSON text: an object literal would make "__proto__" the prototype instead of a key.
const upstream = () => JSON.parse(`{"content":[],"_meta":{"${KEY}":{"name":"python-upstream","version":"2.3.0"},"__proto__":{"x":1},"trace":"t"},"extra":true}`) as Record<string, unknown>;

describe('ServerIdentity', () => {
  it("stamps a new-era result with the gateway's identity in place of an upstream's, keeping every other _meta entry as data", () => {
    const stamped = identity.stamp(upstream());
    expect(JSON.stringify(stamped)).toBe(`{"content":[],"_meta":{"${KEY}":{"name":"mcp-warden","version":"9.9.9"},"__proto__":{"x":1},"trace":"t"},"extra":true}`);
    expect(JSON.stringify(identity.stamp({ content: [] }))).toBe(`{"content":[],"_meta":{"${KEY}":{"name":"mcp-warden","version":"9.9.9"}}}`);
  });

  it('replaces an old-era result\'s stamp only where an upstream sent one, and leaves a malformed _meta alone', () => {
    expect((identity.replace(upstream())._meta as Record<string, unknown>)[KEY]).toEqual(ours);
    const plain = { content: [], _meta: { trace: 't' } };
    expect(identity.replace(plain)).toBe(plain);
    const odd = { content: [], _meta: 'not an object' };
    expect(identity.stamp(odd)).toBe(odd);
    expect(identity.replace(odd)).toBe(odd);
  });

  it('does not change the result it was given', () => {
    const result = upstream();
    const before = JSON.stringify(result);
    identity.stamp(result);
    identity.replace(result);
    expect(JSON.stringify(result)).toBe(before);
  });
});
