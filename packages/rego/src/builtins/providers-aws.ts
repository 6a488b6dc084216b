import { createHash, createHmac } from 'node:crypto';
import type { Value } from '../value.ts';
import { isObject, keyOf, RObject, RSet } from '../value.ts';
import { zonedTime } from './lib/go/civil-time.ts';
import { formatTime } from './lib/go/time-layout.ts';
import { marshalJson } from './lib/json/json-text.ts';
import { pathUnescape, uriParts } from './uri.ts';
import type { Builtin } from './types.ts';
import { objectArg } from './args.ts';
import { BuiltinError } from '../errors.ts';

/**
 * providers.aws.sign_req(request, config, time_ns): the request with AWS Signature V4 headers
 * added (OPA's internal/providers/aws), computed locally: nothing is sent.
 */

const NAME = 'providers.aws.sign_req';
const REQUEST_KEYS = ['method', 'url'];
const CONFIG_KEYS = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];

const operandFailure = (position: number, message: string) =>
  new BuiltinError('eval_type_error', `${NAME}: operand ${position} ${message}`);

const setText = (members: string[]): string => `{${RSet.of(members).sorted().map(keyOf).join(', ')}}`;

/** OPA's checks: every required key present, then every one a string. */
function requiredStrings(object: RObject, keys: string[], position: number, what: string): Record<string, string> {
  const missing = keys.filter((key) => !object.has(key));
  if (missing.length > 0) throw operandFailure(position, `missing required ${what} parameters(s): ${setText(missing)}`);
  const invalid = keys.filter((key) => typeof object.get(key) !== 'string');
  if (invalid.length > 0) throw operandFailure(position, `invalid values for required ${what} parameters(s): ${setText(invalid)}`);
  return Object.fromEntries(keys.map((key) => [key, object.get(key) as string]));
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** Header values as lists of strings (a header may repeat). */
function requestHeaders(request: RObject): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const value = request.get('headers') ?? null;
  if (!isObject(value)) return headers;
  for (const [key, item] of value.entries()) {
    if (typeof key !== 'string') continue;
    const items = Array.isArray(item) ? item : [item];
    headers.set(key, items.map((v) => (typeof v === 'string' ? v : marshalJson(v))));
  }
  return headers;
}

function requestBody(request: RObject): Buffer {
  const raw = request.get('raw_body');
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  const body = request.get('body');
  return body === undefined ? Buffer.alloc(0) : Buffer.from(marshalJson(body), 'utf8');
}

/** Not signed: they may be changed by proxies on the way (as in OPA and the AWS SDKs). */
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

function signRequest(args: Value[]): RObject {
  const request = objectArg(NAME, args, 1);
  const config = objectArg(NAME, args, 2);
  const timeValue = args[2]!;
  const { method, url } = requiredStrings(request, REQUEST_KEYS, 1, 'request');
  const creds = requiredStrings(config, CONFIG_KEYS, 2, 'AWS config');
  const disable = config.get('disable_payload_signing') ?? false;
  if (typeof disable !== 'boolean') throw operandFailure(2, "invalid value for 'disable_payload_signing' in AWS config");
  const session = config.get('aws_session_token');
  // A signature dates the request; times before the epoch or fractional nanoseconds are not timestamps.
  if ((typeof timeValue !== 'number' && typeof timeValue !== 'bigint') || !Number.isInteger(Number(timeValue)) || timeValue < 0) {
    throw operandFailure(3, 'could not convert time_ns value into a unix timestamp');
  }
  const parts = uriParts(url!);
  const path = pathUnescape(parts.rawPath);
  if (parts.authority === undefined || path === undefined) throw operandFailure(1, `invalid url ${JSON.stringify(url)}`);
  const host = parts.authority.slice(parts.authority.lastIndexOf('@') + 1);
  const now = zonedTime(BigInt(timeValue), '');
  const date = formatTime('20060102', now);
  const stamp = formatTime('20060102T150405Z', now);
  const service = creds.aws_service!;
  const contentSha = disable ? 'UNSIGNED-PAYLOAD' : sha256Hex(requestBody(request));

  const awsHeaders = new Map<string, string>([
    ['host', host],
    ['x-amz-date', stamp],
  ]);
  if (service === 's3' || service === 'glacier') awsHeaders.set('x-amz-content-sha256', contentSha);
  if (typeof session === 'string' && session !== '') awsHeaders.set('x-amz-security-token', session);
  const signed = new Map<string, string[]>([...awsHeaders].map(([k, v]) => [k, [v]]));
  const original = requestHeaders(request);
  for (const [key, values] of original) {
    if (!IGNORED_HEADERS.has(key.toLowerCase())) signed.set(key.toLowerCase(), values);
  }
  const names = [...signed.keys()].sort();
  // OPA signs the method as written and Go's decoded URL.Path (empty for `https://host`).
  const canonical = [
    method!,
    path,
    parts.rawQuery,
    ...names.map((name) => `${name}:${signed.get(name)!.join(',')}`),
    '',
    names.join(';'),
    contentSha,
  ].join('\n');
  const scope = `${date}/${creds.aws_region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256Hex(canonical)].join('\n');
  const key = [date, creds.aws_region!, service, 'aws4_request'].reduce<string | Buffer>(
    (k, part) => hmac(k, part),
    `AWS4${creds.aws_secret_access_key}`,
  );
  const signature = hmac(key, toSign).toString('hex');
  const headers = new RObject();
  for (const [k, values] of original) headers.set(k, values.length === 1 ? values[0]! : values);
  for (const [k, v] of awsHeaders) headers.set(k, v);
  headers.set(
    'Authorization',
    `AWS4-HMAC-SHA256 Credential=${creds.aws_access_key}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`,
  );
  const out = RObject.fromEntries(request.entries());
  out.set('headers', headers);
  return out;
}

export const providersAwsBuiltins: Builtin[] = [{ name: NAME, arity: 3, impl: signRequest }];
