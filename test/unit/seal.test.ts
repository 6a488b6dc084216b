import { describe, expect, it } from 'vitest';
import { createSealer } from '../../src/seal.ts';

describe('seal (AES-256-GCM under server.session_key)', () => {
  const sealer = createSealer('0123456789abcdef0123456789abcdef');
  const payload = { owner: 'https://idp alice', n: 9007199254740991, nested: { list: [1, 'two', null] } };

  it('opens what it sealed, with every field; two seals of one payload differ (random nonce)', () => {
    const one = sealer.seal('session', payload);
    expect(one).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealer.open('session', one)).toEqual(payload);
    expect(sealer.seal('session', payload)).not.toBe(one);
  });

  it('refuses another purpose, another key, any altered character, truncation and garbage', () => {
    const token = sealer.seal('session', payload);
    expect(sealer.open('request-state', token)).toBeUndefined();
    expect(createSealer('another secret of thirty-two chars!').open('session', token)).toBeUndefined();
    for (const at of [0, 1, 20, token.length - 1]) {
      const altered = token.slice(0, at) + (token[at] === 'z' ? 'A' : 'z') + token.slice(at + 1);
      // The last base64url character carries padding bits that decoding ignores: such an edit alters no sealed byte.
      if (Buffer.from(altered, 'base64url').equals(Buffer.from(token, 'base64url'))) continue;
      expect(sealer.open('session', altered)).toBeUndefined();
    }
    expect(sealer.open('session', token.slice(0, -4))).toBeUndefined();
    for (const garbage of ['', 'not base64!', 'AAAA', '550e8400-e29b-41d4-a716-446655440000', 'A'.repeat(20_000)]) {
      expect(sealer.open('session', garbage)).toBeUndefined();
    }
  });
});
