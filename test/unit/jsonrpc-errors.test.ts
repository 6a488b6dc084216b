import { describe, expect, it } from 'vitest';
import { toJsonRpcError } from '../../src/jsonrpc-errors.ts';
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
