import { z } from 'zod';
import { SUPPORTED_ALGORITHMS, isHmacAlgorithm } from './algorithms.ts';

/** `auth` section of warden.config.json. Refined by the auth module; composed in src/config. */
const KEY_SOURCES = ['jwks_uri', 'jwks_file', 'public_key_file', 'secret_env'] as const;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const issuerSchema = z
  .object({
    issuer: z.string().min(1).describe('Expected `iss` claim.'),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('Accepted `aud` value(s).'),
    jwks_uri: z.url().optional().describe('Remote JWKS (https, or http on loopback), fetched with a timeout and a refetch cooldown.'),
    jwks_file: z.string().min(1).optional().describe('A local JWKS JSON file (relative to the config file).'),
    public_key_file: z.string().min(1).optional().describe('A PEM (SPKI) public key file (relative to the config file).'),
    secret_env: z.string().min(1).optional().describe('Name of an environment variable holding an HS* secret (>= 32 bytes).'),
    algorithms: z
      .array(z.enum(SUPPORTED_ALGORITHMS))
      .min(1)
      .describe('Accepted `alg` values; required, never mixes HS* with asymmetric.'),
    clock_tolerance: z.number().int().min(0).max(300).default(30).describe('Seconds of clock skew tolerated for exp/nbf/iat.'),
    jwks_timeout_ms: z.number().int().min(1).max(60_000).default(5_000).describe('Remote JWKS: abort a fetch after this long.'),
    jwks_cooldown_ms: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe('Remote JWKS: at most one fetch per cooldown, however many unknown `kid`s arrive.'),
    jwks_max_age_ms: z
      .number()
      .int()
      .min(1)
      .default(600_000)
      .describe('Remote JWKS: a key set older than this is refetched before use, never used stale.'),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const sources = KEY_SOURCES.filter((key) => entry[key] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `issuer ${entry.issuer}: needs exactly one key source (${KEY_SOURCES.join(', ')}), got ${sources.length === 0 ? 'none' : sources.join(' and ')}`,
      });
    }
    const hmac = entry.algorithms.filter(isHmacAlgorithm);
    // Mixing lets a token choose HS* and have the asymmetric (public!) key used as an HMAC secret.
    if (hmac.length > 0 && hmac.length < entry.algorithms.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: `issuer ${entry.issuer}: algorithms mix symmetric (${hmac.join(', ')}) and asymmetric ones; configure two issuers instead`,
      });
    } else if (entry.secret_env !== undefined && hmac.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: `issuer ${entry.issuer}: secret_env needs HS* algorithms` });
    } else if (entry.secret_env === undefined && hmac.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: `issuer ${entry.issuer}: HS* algorithms need secret_env` });
    }
    if (entry.jwks_uri !== undefined) {
      const url = new URL(entry.jwks_uri);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
        ctx.addIssue({ code: 'custom', path: ['jwks_uri'], message: `issuer ${entry.issuer}: jwks_uri must use https (http only on loopback)` });
      }
    }
  });

export const authConfigSchema = z
  .object({
    mode: z.enum(['jwt', 'disabled']).default('jwt').describe('`disabled` is for local experiments only.'),
    issuers: z
      .array(issuerSchema)
      .default([])
      .describe('Trusted token issuers; with none, every token is refused (fail closed).')
      .refine((issuers) => new Set(issuers.map((i) => i.issuer)).size === issuers.length, {
        message: 'each issuer may appear only once',
      }),
    principal: z
      .object({
        roles_claim: z.string().min(1).default('roles').describe('Claim holding the roles (a list, or one string).'),
        scopes_claims: z
          .array(z.string().min(1))
          .min(1)
          .default(['scope', 'scp'])
          .describe('Claims tried in order for the scopes (a space-separated string or a list).'),
      })
      .strict()
      .default({ roles_claim: 'roles', scopes_claims: ['scope', 'scp'] }),
    required_scopes: z.array(z.string().min(1)).default([]).describe('Scopes every caller needs; else 403 insufficient_scope.'),
    resource: z.string().optional().describe('RFC 9728 `resource` identifier of this gateway.'),
    authorization_servers: z.array(z.string()).default([]),
    scopes_supported: z.array(z.string()).default([]),
    token_cache_max_entries: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Verified tokens kept (LRU) until their exp; 0 disables the cache.'),
  })
  .strict();

export type AuthConfig = z.infer<typeof authConfigSchema>;
export type IssuerConfig = AuthConfig['issuers'][number];
