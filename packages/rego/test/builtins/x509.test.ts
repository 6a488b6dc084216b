import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { x509Builtins } from '../../src/builtins/x509.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';

const call = caller(x509Builtins);
const chain = readFileSync(new URL('./fixtures/spiffe-chain.pem', import.meta.url), 'utf8');

describe('crypto.x509', () => {
  it('parses certificates with Go field names, from PEM or base64', () => {
    const certs = toJson(call('crypto.x509.parse_certificates', Buffer.from(chain).toString('base64'))!) as Record<string, unknown>[];
    expect(certs.map((cert) => cert.URIStrings)).toEqual([['spiffe://example.com'], ['spiffe://example.com/opa']]);
    expect(certs[0]!.DNSNames).toBeNull();
    expect((certs[0]!.Subject as Record<string, unknown>).Country).toEqual(['GB']);
    expect((certs[0]!.Subject as Record<string, unknown>).Organization).toEqual(['Example']);
    expect([certs[0]!.Version, certs[0]!.KeyUsage, certs[0]!.IsCA, certs[0]!.SubjectKeyId]).toEqual([3, 32, true, 'XscDyfeZdefBQ/TKkwn0nBjnBqw=']);
    expect([certs[1]!.KeyUsage, certs[1]!.ExtKeyUsage, certs[1]!.MaxPathLen]).toEqual([1, [2, 1], -1]);
    expect(() => call('crypto.x509.parse_certificates', 'foobar')).toThrow('illegal base64 data at input byte 4');
    expect(() => call('crypto.x509.parse_certificates', 'YmFkc3RyaW5n')).toThrow('x509: malformed certificate');
  });
  it('verifies a chain from root (first) to leaf (last)', () => {
    const [valid, certs] = toJson(call('crypto.x509.parse_and_verify_certificates', chain)!) as [boolean, Record<string, unknown>[]];
    expect(valid).toBe(true);
    expect(certs.map((cert) => cert.URIStrings)).toEqual([['spiffe://example.com/opa'], ['spiffe://example.com']]);
    const reversed = chain.split(/(?=-----BEGIN)/).reverse().join('');
    expect(toJson(call('crypto.x509.parse_and_verify_certificates', reversed)!)).toEqual([false, []]);
  });
  it('verifies with Go VerifyOptions', () => {
    const verify = (options: object) =>
      (toJson(call('crypto.x509.parse_and_verify_certificates_with_options', chain, fromJson(options))!) as unknown[])[0];
    expect(verify({})).toBe(true);
    expect(verify({ KeyUsages: ['KeyUsageClientAuth'] })).toBe(true);
    expect(verify({ KeyUsages: ['KeyUsageCodeSigning'] })).toBe(false);
    expect(verify({ CurrentTime: 1_600_000_000_000_000_000n })).toBe(false);
    expect(verify({ DNSName: 'example.com' })).toBe(false);
    expect(() => verify({ Nope: 1 })).toThrow('Invalid key option');
  });
  it('reads private keys as JWKs', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
    expect(toJson(call('crypto.x509.parse_rsa_private_key', pem)!)).toEqual(privateKey.export({ format: 'jwk' }));
    expect(toJson(call('crypto.parse_private_keys', pem)!)).toHaveLength(1);
    expect(toJson(call('crypto.parse_private_keys', 'nope')!)).toEqual([]);
    expect(call('crypto.parse_private_keys', '')).toBeNull();
  });
});
