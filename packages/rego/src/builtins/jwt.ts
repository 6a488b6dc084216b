import type { Value } from '../value.ts';
import { RObject, isNumber, isObject } from '../value.ts';
import { Base64Error, decodeBase64Url, encodeBase64 } from './lib/go/base64.ts';
import { isValidJson, JsonSyntaxError, marshalJson, parseJson } from './lib/json/json-text.ts';
import type { VerificationKey } from './lib/pki/jwt-keys.ts';
import { ALGORITHMS, jwkKey, signData, verificationKeys, verifySignature } from './lib/pki/jwt-keys.ts';
import { objectArg, stringArg } from './args.ts';
import type { Builtin, BuiltinContext } from './types.ts';
import { BuiltinError, builtinError, operandError } from '../errors.ts';

/** OPA's io.jwt.* built-ins: decode, verify (RS/PS/ES/HS/EdDSA), decode_verify, encode_sign. */

class JwtError extends Error {
  override readonly name = 'JwtError';
}

interface Token {
  readonly header: string;
  readonly payload: string;
  readonly signature: string;
}

function splitToken(value: Value, name: string): Token {
  if (typeof value !== 'string') throw operandError(name, 1, 'string', value);
  if (!value.includes('.')) throw new JwtError('encoded JWT had no period separators');
  const parts = value.split('.');
  if (parts.length !== 3) throw new JwtError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

function decodePart(text: string, what: string): Buffer {
  try {
    return decodeBase64Url(text);
  } catch (error) {
    if (error instanceof Base64Error) throw new JwtError(`JWT ${what} had invalid encoding: ${error.message}`);
    throw error;
  }
}

function jsonObject(text: string, what: string): RObject {
  let value: Value;
  try {
    value = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new JwtError(`JWT ${what} is not valid JSON: ${error.message}`);
    throw error;
  }
  if (!isObject(value)) throw new JwtError(`JWT ${what} must be a JSON object`);
  return value;
}

interface Header {
  readonly object: RObject;
  readonly alg: string;
  readonly kid: string;
  readonly cty: string;
  readonly enc: string;
  readonly crit: boolean;
}

function decodeHeader(token: Token): Header {
  const object = jsonObject(decodePart(token.header, 'header').toString('utf8'), 'header');
  const text = (key: string) => {
    const value = object.get(key);
    return typeof value === 'string' ? value : '';
  };
  return { object, alg: text('alg'), kid: text('kid'), cty: text('cty'), enc: text('enc'), crit: object.has('crit') };
}

const isNested = (header: Header): boolean => header.cty.toUpperCase() === 'JWT';

/** A nested token's payload is the inner token, JSON-quoted or bare. */
function innerToken(payload: Buffer): string {
  const text = payload.toString('utf8');
  try {
    const inner = JSON.parse(text) as unknown;
    return typeof inner === 'string' ? inner : text;
  } catch {
    return text;
  }
}

function decode(value: Value): Value[] {
  let token = splitToken(value, 'io.jwt.decode');
  for (;;) {
    const header = decodeHeader(token);
    if (header.enc !== '') throw new JwtError('JWT is a JWE object, which is not supported');
    const payload = decodePart(token.payload, 'payload');
    if (isNested(header)) {
      token = splitToken(innerToken(payload), 'io.jwt.decode');
      continue;
    }
    const signature = decodePart(token.signature, 'signature').toString('hex');
    return [header.object, jsonObject(payload.toString('utf8'), 'payload'), signature];
  }
}

/** Tries the key with the token's `kid` first, then every key whose `alg` allows `alg`. */
function verifyWithKeys(keys: VerificationKey[], header: Header, alg: string, data: Buffer, signature: Buffer): boolean {
  const byKid = header.kid !== '' ? keys.find((key) => key.kid === header.kid) : undefined;
  if (byKid) return verifySignature(alg, byKid.key, data, signature);
  return keys.some((key) => (key.alg === undefined || key.alg === alg) && verifySignature(alg, key.key, data, signature));
}

const signedData = (token: Token): Buffer => Buffer.from(`${token.header}.${token.payload}`, 'utf8');

/** io.jwt.verify_<alg>(jwt, certificate-or-secret). */
function verifier(alg: string): Builtin {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  const symmetric = ALGORITHMS[alg]!.kind === 'hmac';
  return {
    name,
    arity: 2,
    impl: (args) =>
      jwtCall(name, () => {
        const token = splitToken(args[0]!, name);
        const key = stringArg(name, args, 2);
        // HS* take the shared secret itself; the others a PEM certificate or key, or a JWK (set).
        const keys = symmetric ? undefined : verificationKeys(key);
        const signature = decodePart(token.signature, 'signature');
        const header = decodeHeader(token);
        if (!keys) return verifySignature(alg, Buffer.from(key, 'utf8'), signedData(token), signature);
        return verifyWithKeys(keys, header, alg, signedData(token), signature);
      }),
  };
}

interface Constraints {
  readonly keys?: VerificationKey[];
  readonly secret?: string;
  readonly alg?: string;
  readonly iss?: string;
  readonly aud?: string;
  /** seconds, as a float (OPA compares exp/nbf against ns / 1e9) */
  readonly time: number;
}

const NAME = 'io.jwt.decode_verify';

function constraintsOperand(value: Value, ctx: BuiltinContext): Constraints {
  if (!isObject(value)) throw operandError(NAME, 2, 'object', value);
  const out: { -readonly [K in keyof Constraints]: Constraints[K] } = { time: Number(ctx.nowNs) / 1e9 };
  for (const [key, item] of value.entries()) {
    const text = () => {
      if (typeof item !== 'string') throw new JwtError(`${String(key)} constraint must be a string`);
      return item;
    };
    switch (key) {
      case 'cert':
        out.keys = verificationKeys(text());
        break;
      case 'secret':
        out.secret = text();
        break;
      case 'alg':
      case 'iss':
      case 'aud':
        out[key] = text();
        break;
      case 'time':
        if (!isNumber(item)) throw new JwtError('time constraint must be a number');
        out.time = Number(item) / 1e9;
        break;
      default:
        throw new JwtError(`unknown token validation constraint: ${String(key)}`);
    }
  }
  const count = (out.keys ? 1 : 0) + (out.secret !== undefined && out.secret !== '' ? 1 : 0);
  if (count > 1) throw new JwtError('duplicate key constraints');
  if (count < 1) throw new JwtError('no key constraint');
  return out;
}

function validAudience(aud: Value, wanted: string | undefined): boolean {
  if (typeof aud === 'string') return aud === (wanted ?? '');
  return Array.isArray(aud) && aud.some((item) => item === (wanted ?? ''));
}

/** OPA's decode_verify: [valid, header, payload], or [false, {}, {}] when any check fails. */
function decodeVerify([jwt, constraintsValue]: Value[], ctx: BuiltinContext): Value[] {
  const unverified = [false, new RObject(), new RObject()];
  const constraints = constraintsOperand(constraintsValue!, ctx);
  let token = splitToken(jwt!, NAME);
  let header: Header;
  let payloadBytes: Buffer;
  for (;;) {
    header = decodeHeader(token);
    if (header.crit) return unverified;
    if (constraints.alg !== undefined && constraints.alg !== header.alg) return unverified;
    const signature = decodePart(token.signature, 'signature');
    if (!ALGORITHMS[header.alg]) throw new JwtError(`unknown JWS algorithm: ${header.alg}`);
    const verified = constraints.keys
      ? verifyWithKeys(constraints.keys, header, header.alg, signedData(token), signature)
      : verifySignature(header.alg, Buffer.from(constraints.secret!, 'utf8'), signedData(token), signature);
    if (!verified) return unverified;
    payloadBytes = decodePart(token.payload, 'payload');
    if (!isNested(header)) break;
    token = splitToken(innerToken(payloadBytes), NAME);
  }
  const payload = jsonObject(payloadBytes.toString('utf8'), 'payload');
  if (constraints.iss !== undefined && payload.get('iss') !== constraints.iss) return unverified;
  const aud = payload.get('aud');
  if (aud !== undefined ? !validAudience(aud, constraints.aud) : constraints.aud !== undefined && constraints.aud !== '') {
    return unverified;
  }
  const exp = payload.get('exp');
  if (exp !== undefined) {
    if (!isNumber(exp)) throw new JwtError('exp value must be a number');
    if (constraints.time >= Number(exp)) return unverified;
  }
  const nbf = payload.get('nbf');
  if (nbf !== undefined) {
    if (!isNumber(nbf)) throw new JwtError('nbf value must be a number');
    if (constraints.time < Number(nbf)) return unverified;
  }
  return [true, header.object, payload];
}

/** The `alg` of a literal header, with the error texts of OPA's JWS library. */
function headerAlg(text: string): string {
  const prefix = "missing or invalid 'alg' header";
  if (text === '') throw new JwtError(`${prefix}: cannot parse JSON: cannot parse empty string`);
  if (!text.trimStart().startsWith('{')) throw new JwtError(`${prefix}: jwsbb: header "alg" not found`);
  if (!isValidJson(text)) throw new JwtError(`${prefix}: cannot parse JSON`);
  const header = parseJson(text);
  const alg = isObject(header) ? header.get('alg') : undefined;
  if (typeof alg !== 'string') throw new JwtError(`${prefix}: jwsbb: header "alg" not found`);
  return alg;
}

/** Signs literal header and payload texts (OPA's SignLiteral) with the key in a JWK text. */
function encodeSign(headerText: string, payloadText: string, jwkText: string): string {
  const alg = headerAlg(headerText);
  const header = parseJson(headerText);
  const typ = isObject(header) ? header.get('typ') : undefined;
  if ((typ === undefined || typ === 'JWT') && !isValidJson(payloadText)) {
    throw new JwtError('type is JWT but payload is not JSON');
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(jwkText);
  } catch (error) {
    throw new JwtError(`failed to parse a JWK key: ${(error as Error).message}`);
  }
  const key = jwkKey(jwk as Record<string, unknown>, 'private');
  const encode = (text: string) => encodeBase64(Buffer.from(text, 'utf8'), 'rawurl');
  const data = `${encode(headerText)}.${encode(payloadText)}`;
  return `${data}.${encodeBase64(signData(alg, key, Buffer.from(data, 'utf8')), 'rawurl')}`;
}

/** Runs a built-in body: JWT format, key and node:crypto failures become the built-in's errors. */
function jwtCall<T>(name: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof BuiltinError || !(error instanceof Error)) throw error;
    throw builtinError(name, error.message);
  }
}

const stringArgs = (name: string, args: Value[]): string[] => args.map((_, i) => stringArg(name, args, i + 1));

/** Objects as the compact JSON text OPA signs. */
const objectArgs = (name: string, args: Value[]): string[] => args.map((_, i) => marshalJson(objectArg(name, args, i + 1)));

export const jwtBuiltins: Builtin[] = [
  { name: 'io.jwt.decode', arity: 1, impl: ([jwt]) => jwtCall('io.jwt.decode', () => decode(jwt!)) },
  { name: NAME, arity: 2, impl: (args, ctx) => jwtCall(NAME, () => decodeVerify(args, ctx)) },
  ...Object.keys(ALGORITHMS).map(verifier),
  {
    name: 'io.jwt.encode_sign',
    arity: 3,
    nondeterministic: true,
    impl: (args) => jwtCall('io.jwt.encode_sign', () => {
      const [header, payload, key] = objectArgs('io.jwt.encode_sign', args);
      return encodeSign(header!, payload!, key!);
    }),
  },
  {
    name: 'io.jwt.encode_sign_raw',
    arity: 3,
    nondeterministic: true,
    impl: (args) => jwtCall('io.jwt.encode_sign_raw', () => {
      const [header, payload, key] = stringArgs('io.jwt.encode_sign_raw', args);
      return encodeSign(header!, payload!, key!);
    }),
  },
];

