import type { Value } from '../value.ts';
import { RObject, RSet, keyOf } from '../value.ts';
import type { Builtin } from './types.ts';
import { objectArg } from './args.ts';
import { BuiltinError, builtinError } from '../errors.ts';
import { GoUrlError, parseGoUrl } from './lib/net/go-url.ts';

/**
 * http.send: a gateway policy must not make network calls. The built-in behaves as OPA does with
 * the capability `allow_net: []`: it validates the request (OPA's messages), then refuses every
 * host with `unallowed host: HOST`, an eval_builtin_error, or with `raise_error: false` the
 * response object OPA returns for a failed request (`status_code` 0 and `error: {code, message}`).
 * Policy tests replace it with `with`.
 */

const REQUIRED = ['method', 'url'];
const ALLOWED = new Set([
  ...REQUIRED,
  'body',
  'cache',
  'cache_ignored_headers',
  'caching_mode',
  'enable_redirect',
  'force_cache',
  'force_cache_duration_seconds',
  'force_json_decode',
  'force_yaml_decode',
  'headers',
  'max_retry_attempts',
  'raise_error',
  'raw_body',
  'timeout',
  'tls_ca_cert',
  'tls_ca_cert_env_variable',
  'tls_ca_cert_file',
  'tls_client_cert',
  'tls_client_cert_env_variable',
  'tls_client_cert_file',
  'tls_client_key',
  'tls_client_key_env_variable',
  'tls_client_key_file',
  'tls_insecure_skip_verify',
  'tls_server_name',
  'tls_use_system_certs',
]);

/** A Rego set literal as OPA prints one in messages: `{"method", "url"}`. */
const setText = (members: Value[]): string => `{${RSet.of(members).sorted().map(keyOf).join(', ')}}`;

function send(args: Value[]): Value {
  const name = 'http.send';
  const request = objectArg(name, args, 1);
  const keys = [...request.keys()];
  const invalid = keys.filter((key) => typeof key !== 'string' || !ALLOWED.has(key));
  if (invalid.length > 0) throw new BuiltinError('eval_type_error', `${name}: operand 1 invalid request parameters(s): ${setText(invalid)}`);
  const missing = REQUIRED.filter((key) => !keys.includes(key));
  if (missing.length > 0) throw new BuiltinError('eval_type_error', `${name}: operand 1 missing required request parameters(s): ${setText(missing)}`);
  const [code, message] = refusal(request.get('url')!);
  if (request.get('raise_error') !== false) throw builtinError(name, message);
  return RObject.fromEntries([
    ['status_code', 0],
    ['error', RObject.fromEntries([['code', code], ['message', message]])],
  ]);
}

/** OPA's error for the request's URL: a URL Go cannot parse, else the host that allow_net refuses. */
function refusal(url: Value): [string, string] {
  if (typeof url !== 'string') return ['eval_http_send_internal_error', '"url" must be a string'];
  try {
    const authority = parseGoUrl(url).host ?? '';
    return ['eval_http_send_internal_error', `unallowed host: ${authority.slice(authority.lastIndexOf('@') + 1).split(':')[0]}`];
  } catch (error) {
    // url.Parse fails with a *url.Error, which OPA reports as a network error.
    if (error instanceof GoUrlError) return ['eval_http_send_network_error', error.message];
    throw error;
  }
}

export const httpBuiltins: Builtin[] = [{ name: 'http.send', arity: 1, nondeterministic: true, impl: send }];
