import fc from 'fast-check';
import { modernEnvelope } from './rpc.ts';

/**
 * What the fuzz tests of the gateway's edges send (test/e2e/security/edge-fuzz.test.ts,
 * test/e2e/downstream/stdio-fuzz.test.ts, legacy-sse-fuzz.test.ts): JSON-RPC messages of every kind
 * with any fields, and message texts that are no message at all.
 */

/** Methods the gateway serves or refuses, names an object's prototype has, and none. */
export const FUZZ_METHODS = [
  'initialize', 'tools/list', 'tools/call', 'resources/read', 'prompts/get', 'completion/complete', 'server/discover', 'subscriptions/listen',
  'tasks/get', 'tasks/cancel', 'ping', 'logging/setLevel', 'notifications/cancelled', 'notifications/initialized', 'notifications/progress',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', '',
];

const json = fc.jsonValue({ maxDepth: 3 });

/** One JSON-RPC message with any of its fields, each any value; `tools` are names to call (the gateway's and others). */
export function fuzzMessage(tools: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const params = fc.oneof(
    fc.record(
      {
        name: fc.constantFrom(...tools, 'nope', '__proto__'),
        arguments: fc.oneof(json, fc.constant({ __proto__: { polluted: true } })),
        _meta: fc.oneof(fc.constant(modernEnvelope()), json),
        requestId: json,
        uri: json,
        level: json,
      },
      { requiredKeys: [] },
    ),
    fc.record({ protocolVersion: fc.constantFrom('2025-11-25', '2026-07-28', 'x'), capabilities: json, clientInfo: json }, { requiredKeys: [] }),
    json,
  );
  return fc.record(
    {
      jsonrpc: fc.constantFrom('2.0', '1.0'),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), json),
      method: fc.constantFrom(...FUZZ_METHODS),
      params,
      result: json,
      error: json,
    },
    { requiredKeys: [] },
  );
}

/** Texts that are one message, a batch, a known troublemaker (a number a double cannot hold, deep nesting, a lone surrogate, U+2028), or anything; none holds a line break. */
export function fuzzText(tools: readonly string[]): fc.Arbitrary<string> {
  const message = fuzzMessage(tools);
  return fc.oneof(
    message.map((m) => JSON.stringify(m)),
    fc.array(message, { maxLength: 3 }).map((batch) => JSON.stringify(batch)),
    fc.constantFrom(
      '', '{', 'null', '[]', '""', ' ', '\r', '\u2028', '\u0000\u00ff',
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tools[0]}","arguments":{"__proto__":{"x":1}}}}`,
      '{"jsonrpc":"2.0","id":2,"method":"ping","params":{"n":1e400}}',
      '{"jsonrpc":"2.0","id":"\\ud800","method":"tools/call","params":{"name":"\\udc00"}}',
      `{"jsonrpc":"2.0","id":3,"method":"ping","params":${'['.repeat(100)}${']'.repeat(100)}}`,
      '['.repeat(5000) + ']'.repeat(5000),
    ),
    fc.string({ maxLength: 40 }).filter((text) => !/[\r\n]/.test(text)),
  );
}
