import type { KeyObject } from 'node:crypto';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Value } from '../value.ts';
import { fromJson, RObject } from '../value.ts';
import { DerError, splitSequences } from './lib/pki/der.ts';
import { Base64Error, decodeBase64 } from './lib/go/base64.ts';
import { decodeAllPem, decodePem } from './lib/pki/pem.ts';
import { objectArg, stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, builtinError } from '../errors.ts';
import { certificateObject, certificateRequestObject } from './lib/pki/x509-fields.ts';
import type { VerifyOptions } from './lib/pki/x509-verify.ts';
import { verifyChain, verifyOptions, VerifyOptionsError } from './lib/pki/x509-verify.ts';

/** OPA's crypto.x509.* and crypto.parse_private_keys built-ins over node:crypto. */

class X509Error extends Error {
  override readonly name = 'X509Error';
}

const PEM_PREFIX = '-----BEGIN';

/** Text that is PEM, or base64 of PEM or of DER, as OPA accepts it: the bytes, PEM decoded or not. */
function pemOrBase64(text: string): { pem: string } | { der: Buffer } {
  if (text.startsWith(PEM_PREFIX)) return { pem: text };
  const bytes = decodeBase64(text, 'std');
  const asText = bytes.toString('latin1');
  return asText.startsWith(PEM_PREFIX) ? { pem: asText } : { der: bytes };
}

function parseCertificates(text: string): X509Certificate[] {
  const source = pemOrBase64(text);
  let der: Buffer;
  if ('pem' in source) {
    const blocks = decodeAllPem(source.pem);
    const wrong = blocks.find((block) => block.type !== 'CERTIFICATE');
    if (wrong) throw new X509Error(`PEM block type is '${wrong.type}', expected CERTIFICATE`);
    der = Buffer.concat(blocks.map((block) => block.bytes));
  } else {
    der = source.der;
  }
  try {
    return splitSequences(der).map((item) => new X509Certificate(item));
  } catch {
    throw new X509Error('x509: malformed certificate');
  }
}

const PRIVATE_KEY_FORMATS: Record<string, 'pkcs1' | 'pkcs8' | 'sec1'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
};

/** The private keys in PEM text (or base64 of PEM text). */
function privateKeys(text: string): KeyObject[] {
  const source = pemOrBase64(text);
  if (!('pem' in source)) return [];
  return decodeAllPem(source.pem).flatMap((block) => {
    const type = PRIVATE_KEY_FORMATS[block.type];
    return type ? [createPrivateKey({ key: block.bytes, format: 'der', type })] : [];
  });
}

const jwk = (key: KeyObject): Value => fromJson(key.export({ format: 'jwk' }));

function keypair(certText: string, keyText: string): RObject {
  const certs = parseCertificates(certText);
  const [key] = privateKeys(keyText);
  if (!key) throw new X509Error('tls: failed to find any PEM data in key input');
  const leaf = certs[0]!;
  if (!leaf.checkPrivateKey(key)) throw new X509Error('tls: private key does not match public key');
  return RObject.fromEntries([
    ['Certificate', certs.map((cert) => cert.raw.toString('base64'))],
    ['PrivateKey', jwk(key)],
    ['Leaf', certificateObject(leaf)],
  ]);
}

function certificateRequest(text: string): RObject {
  const bytes = text.startsWith('-----BEGIN CERTIFICATE REQUEST-----') ? Buffer.from(text, 'utf8') : decodeBase64(text, 'std');
  const pem = decodePem(bytes.toString('latin1'));
  if (pem && pem.block.type !== 'CERTIFICATE REQUEST') throw new X509Error('invalid PEM-encoded certificate signing request');
  return certificateRequestObject(pem ? pem.block.bytes : bytes);
}

/** [true, chain from leaf to root] or [false, []]: unparsable input is simply not valid, as in OPA. */
function parseAndVerify(text: string, options: VerifyOptions): Value[] {
  let chain: X509Certificate[] | undefined;
  try {
    chain = verifyChain(parseCertificates(text), options);
  } catch (error) {
    if (!(error instanceof X509Error || error instanceof Base64Error)) throw error;
  }
  return chain ? [true, chain.map(certificateObject)] : [false, []];
}

/** A string operand, and failures of the body reported as the built-in's errors. */
function x509Builtin(name: string, arity: number, body: (...texts: string[]) => Value): Builtin {
  return {
    name,
    arity,
    impl: (args) => {
      const texts = args.map((_, i) => stringArg(name, args, i + 1));
      try {
        return body(...texts);
      } catch (error) {
        if (error instanceof BuiltinError || !(error instanceof Error)) throw error;
        const known = error instanceof X509Error || error instanceof Base64Error || error instanceof DerError;
        throw builtinError(name, known ? error.message : `x509: ${error.message}`);
      }
    },
  };
}

export const x509Builtins: Builtin[] = [
  x509Builtin('crypto.x509.parse_certificates', 1, (text) => parseCertificates(text!).map(certificateObject)),
  {
    name: 'crypto.x509.parse_and_verify_certificates',
    arity: 1,
    impl: (args) => parseAndVerify(stringArg('crypto.x509.parse_and_verify_certificates', args, 1), { now: Date.now() }),
  },
  {
    name: 'crypto.x509.parse_and_verify_certificates_with_options',
    arity: 2,
    impl: (args) => {
      const name = 'crypto.x509.parse_and_verify_certificates_with_options';
      const text = stringArg(name, args, 1);
      try {
        return parseAndVerify(text, verifyOptions(objectArg(name, args, 2), Date.now()));
      } catch (error) {
        if (error instanceof VerifyOptionsError) throw builtinError(name, error.message);
        throw error;
      }
    },
  },
  x509Builtin('crypto.x509.parse_certificate_request', 1, (text) => certificateRequest(text!)),
  x509Builtin('crypto.x509.parse_keypair', 2, (cert, key) => keypair(cert!, key!)),
  x509Builtin('crypto.x509.parse_rsa_private_key', 1, (text) => {
    const key = privateKeys(text!).find((k) => k.asymmetricKeyType === 'rsa');
    if (!key) throw new X509Error('failed to parse PEM block containing the key');
    return jwk(key);
  }),
  // OPA returns null for empty input and an empty list when nothing parses.
  x509Builtin('crypto.parse_private_keys', 1, (text) => (text === '' ? null : privateKeys(text!).map(jwk))),
];
