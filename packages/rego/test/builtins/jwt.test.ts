import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtBuiltins } from '../../src/builtins/jwt.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';

const call = caller(jwtBuiltins, 1_600_000_000_000_000_000n);
const OCT = '{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}';

describe('io.jwt.encode_sign_raw', () => {
  it('signs literal texts (HS256, EdDSA vectors)', () => {
    expect(call('io.jwt.encode_sign_raw', '{"typ":"text/plain",\r\n "alg":"HS256"}', 'e', OCT)).toBe(
      'eyJ0eXAiOiJ0ZXh0L3BsYWluIiwNCiAiYWxnIjoiSFMyNTYifQ.ZQ.oO8Vnc4Jv7-J231a1bEcQrgXfKbNW-kEvVY7BP1v5rM',
    );
    const ed = '{"kty":"OKP","alg":"EdDSA","crv":"Ed25519","x":"wEZFfoAj1rFKTLOOmjJjVZlCHwksuvMb2I5y_hg70E8","d":"9XI34uQzYUJfWhDZf_0nYsLMBRVu8a6dFsy60P8uugk"}';
    expect(call('io.jwt.encode_sign_raw', '{"alg":"EdDSA","typ":"JWT"}', '{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}', ed)).toBe(
      'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqb2UiLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.jS1so-rsTaC8DdA8_ZnFXYbi9xOrMVXOviMFrahQ7ez0UKKzjU-2vxrM0ON-Vu3GXKhtBkkO3SUtNMoeYw3zDQ',
    );
  });
  it('reports header and payload errors as OPA does', () => {
    expect(() => call('io.jwt.encode_sign_raw', '', '{}', OCT)).toThrow("missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
    expect(() => call('io.jwt.encode_sign_raw', '{}', '{}', OCT)).toThrow('jwsbb: header "alg" not found');
    expect(() => call('io.jwt.encode_sign_raw', '{"typ:"JWT", "alg":"HS256"}', '{}', OCT)).toThrow("missing or invalid 'alg' header: cannot parse JSON");
    expect(() => call('io.jwt.encode_sign_raw', '{"typ":"JWT","alg":"HS256"}', '', OCT)).toThrow('type is JWT but payload is not JSON');
  });
});

describe('verification with real keys', () => {
  for (const [alg, type, options] of [
    ['RS256', 'rsa', { modulusLength: 1024 }],
    ['PS384', 'rsa', { modulusLength: 1024 }],
    ['ES256', 'ec', { namedCurve: 'P-256' }],
    ['ES512', 'ec', { namedCurve: 'P-521' }],
    ['EdDSA', 'ed25519', {}],
  ] as const) {
    it(`signs and verifies ${alg} with PEM and JWK keys`, () => {
      const { publicKey, privateKey } = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
      const jwk = fromJson(privateKey.export({ format: 'jwk' }));
      const token = call('io.jwt.encode_sign', fromJson({ alg, typ: 'JWT' }), fromJson({ iss: 'me', aud: ['a', 'b'] }), jwk) as string;
      const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
      const verify = `io.jwt.verify_${alg.toLowerCase()}`;
      expect(call(verify, token, pem)).toBe(true);
      expect(call(verify, token, JSON.stringify({ keys: [publicKey.export({ format: 'jwk' })] }))).toBe(true);
      const other = generateKeyPairSync(type as 'rsa', options as { modulusLength: number }).publicKey;
      expect(call(verify, token, other.export({ format: 'pem', type: 'spki' }) as string)).toBe(false);
      expect(toJson(call('io.jwt.decode_verify', token, fromJson({ cert: pem, aud: 'b', iss: 'me' }))!)).toEqual([
        true,
        { alg, typ: 'JWT' },
        { aud: ['a', 'b'], iss: 'me' },
      ]);
      expect(toJson(call('io.jwt.decode_verify', token, fromJson({ cert: pem }))!)).toEqual([false, {}, {}]);
    });
  }
});

describe('io.jwt.decode_verify claims', () => {
  const sign = (payload: object) =>
    call('io.jwt.encode_sign', fromJson({ alg: 'HS256' }), fromJson(payload), fromJson({ kty: 'oct', k: Buffer.from('42').toString('base64url') })) as string;
  const valid = (token: string, constraints: object) => (call('io.jwt.decode_verify', token, fromJson({ secret: '42', ...constraints })) as unknown[])[0];
  it('checks exp and nbf against the constraint time in seconds', () => {
    expect(valid(sign({ exp: 1_600_000_001 }), {})).toBe(true);
    expect(valid(sign({ exp: 1_600_000_000 }), {})).toBe(false);
    expect(valid(sign({ nbf: 1589385770.1234 }), { time: 1589385770123400000 })).toBe(true);
    expect(valid(sign({ nbf: 1589385770.1234 }), { time: 1589385770023400000 })).toBe(false);
    expect(() => valid(sign({ exp: null }), {})).toThrow('exp value must be a number');
    expect(valid(sign({}), { secret: 'wrong' })).toBe(false);
  });
  it('decodes without verifying', () => {
    expect(() => call('io.jwt.decode', 'a.b')).toThrow('encoded JWT must have 3 sections, found 2');
    expect(() => call('io.jwt.decode', 'eyJhbGciOiJIU^%zI1NiI+sInR5cCI6IkpXVCJ9.e30.AA')).toThrow(
      'JWT header had invalid encoding: illegal base64 data at input byte 13',
    );
  });
});
