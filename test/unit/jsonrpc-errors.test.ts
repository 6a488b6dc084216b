import { describe, expect, it } from 'vitest';
import { toJsonRpcError, wardenErrorOf } from '../../src/jsonrpc-errors.ts';
import { upstreamCallError } from '../../src/upstreams/call-errors.ts';
import { WardenError } from '../../src/errors.ts';

/** The one place WardenErrors become JSON-RPC errors: what a caller may learn, and what it never does. */
describe('toJsonRpcError', () => {
  it('answers anything that is not a WardenError as -32603 INTERNAL, without its message', () => {
    const error = toJsonRpcError(new TypeError('cannot read /srv/secret/path of undefined'));
    expect([error.code, error.message, error.data]).toEqual([-32603, 'Internal error', { code: 'INTERNAL' }]);
  });

  it('keeps the message of a typed INTERNAL error to the log: the caller reads "Internal error"', () => {
    const error = toJsonRpcError(new WardenError('INTERNAL', 'migration file /opt/x.sql is not named NNNN_name.sql'));
    expect([error.code, error.message, error.data]).toEqual([-32603, 'Internal error', { code: 'INTERNAL' }]);
  });

  it('passes only public details: a cause and unlisted fields stay behind', () => {
    const error = toJsonRpcError(new WardenError('POLICY_DENIED', 'Denied by policy: no', { cause: new Error('inner'), details: { reasons: ['no'], decisionId: 'd-1', stack: 'x' } }));
    expect(error.data).toEqual({ code: 'POLICY_DENIED', reasons: ['no'], decisionId: 'd-1' });
  });
});

describe('wardenErrorOf', () => {
  it('finds the refusal a JSON-RPC error was made from, so a request the SDK was fulfilling does not turn it into the upstream\'s failure', () => {
    const denied = new WardenError('POLICY_DENIED', 'Denied by policy', { details: { reasons: ['no questions'] } });
    expect(wardenErrorOf(denied)).toBe(denied);
    expect(wardenErrorOf(toJsonRpcError(denied))).toBe(denied);
    expect(wardenErrorOf(new Error('socket hang up', { cause: denied }))).toBeUndefined();
    expect(upstreamCallError('m', toJsonRpcError(denied), undefined, 1000)).toBe(denied);
    expect(upstreamCallError('m', new Error('socket hang up'), undefined, 1000).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
