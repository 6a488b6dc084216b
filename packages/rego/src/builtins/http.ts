import type { Value } from '../value.ts';
import { RSet, keyOf } from '../value.ts';
import type { Builtin } from './types.ts';
import { objectArg } from './args.ts';
import { BuiltinError, builtinError } from '../errors.ts';

/**
 * http.send: a gateway policy must not make network calls, so the built-in only validates its
 * request (with OPA's messages) and then refuses. Policy tests replace it with `with`.
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

function send(args: Value[]): never {
  const name = 'http.send';
  const keys = [...objectArg(name, args, 1).keys()];
  const invalid = keys.filter((key) => typeof key !== 'string' || !ALLOWED.has(key));
  if (invalid.length > 0) throw new BuiltinError('eval_type_error', `${name}: operand 1 invalid request parameters(s): ${setText(invalid)}`);
  const missing = REQUIRED.filter((key) => !keys.includes(key));
  if (missing.length > 0) throw new BuiltinError('eval_type_error', `${name}: operand 1 missing required request parameters(s): ${setText(missing)}`);
  throw builtinError(name, 'not allowed in mcp-warden policies (mock it with `with`)');
}

export const httpBuiltins: Builtin[] = [{ name: 'http.send', arity: 1, nondeterministic: true, impl: send }];
