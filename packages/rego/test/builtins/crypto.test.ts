import { describe, expect, it } from 'vitest';
import { cryptoBuiltins } from '../../src/builtins/crypto.ts';
import { caller } from './call.ts';

const call = caller(cryptoBuiltins);

describe('crypto', () => {
  it('hashes and MACs UTF-8 text', () => {
    expect(call('crypto.md5', 'lorem ipsum')).toBe('80a751fde577028640c419000e33eba6');
    expect(call('crypto.hmac.sha256', 'foo', 'bar')).toBe('147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851');
    expect(call('crypto.hmac.md5', 'åäöçß\u{1F972}♙Ω', '秘密の')).toBe('20a8743c2157ac60b7e8b79c83651b8d');
    expect(call('crypto.hmac.equal', 'abc', 'abc')).toBe(true);
    expect(call('crypto.hmac.equal', 'abc', 'ab')).toBe(false);
    expect(() => call('crypto.sha1', 1)).toThrow('crypto.sha1: operand 1 must be string but got number');
  });
});
