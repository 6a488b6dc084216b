import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUpstreamMessage } from '../../../src/upstreams/http-transport.ts';

/** Messages an upstream may send, well-formed or not, results most of all. */
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null));
const json = fc.jsonValue({ maxDepth: 2 });
const message = fc.oneof(
  fc.record({ jsonrpc: fc.constantFrom('2.0', '1.0'), id, result: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), json), json) }, { requiredKeys: ['result'] }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, error: fc.record({ code: fc.integer(), message: fc.string() }, { requiredKeys: [] }) }, { requiredKeys: ['error'] }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, method: fc.string({ maxLength: 12 }), params: fc.dictionary(fc.string({ maxLength: 6 }), json), result: json }, { requiredKeys: ['method'] }),
  json,
);

describe('parseUpstreamMessage', () => {
  it('reads every message as the SDK JSON-RPC message schema does', () => {
    fc.assert(
      fc.property(message, (value) => {
        const ours = parseUpstreamMessage(value);
        const sdk = JSONRPCMessageSchema.safeParse(value);
        expect(ours.success).toBe(sdk.success);
        if (sdk.success) expect(ours.data).toEqual(sdk.data);
      }),
      { numRuns: 2000 },
    );
  });
});
