import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Value } from '../value.ts';
import type { Builtin } from './types.ts';
import { stringArg } from './args.ts';

/** OPA's crypto hashes and HMACs: hex digests of the UTF-8 bytes of string operands. */

const strings = (name: string, args: Value[]): string[] => args.map((_, i) => stringArg(name, args, i + 1));

const hash = (algorithm: string): Builtin => {
  const name = `crypto.${algorithm}`;
  return { name, arity: 1, impl: (args) => createHash(algorithm).update(strings(name, args)[0]!, 'utf8').digest('hex') };
};

const hmac = (algorithm: string): Builtin => {
  const name = `crypto.hmac.${algorithm}`;
  return {
    name,
    arity: 2,
    impl: (args) => {
      const [message, key] = strings(name, args);
      return createHmac(algorithm, Buffer.from(key!, 'utf8')).update(message!, 'utf8').digest('hex');
    },
  };
};

/** Constant-time comparison, so a policy comparing MACs does not leak timing. */
function hmacEqual(args: Value[]): boolean {
  const [a, b] = strings('crypto.hmac.equal', args).map((s) => Buffer.from(s, 'utf8'));
  return a!.length === b!.length && timingSafeEqual(a!, b!);
}

export const cryptoBuiltins: Builtin[] = [
  hash('md5'),
  hash('sha1'),
  hash('sha256'),
  hmac('md5'),
  hmac('sha1'),
  hmac('sha256'),
  hmac('sha512'),
  { name: 'crypto.hmac.equal', arity: 2, impl: hmacEqual },
];
