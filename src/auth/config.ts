import { z } from 'zod';

/** `auth` section of warden.config.json. Refined by the auth module; composed in src/config. */
const issuerSchema = z
  .object({
    issuer: z.string().min(1).describe('Expected `iss` claim.'),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('Accepted `aud` value(s).'),
    jwks_uri: z.url().optional().describe('Remote JWKS, fetched with a timeout and a refetch cooldown.'),
    jwks_file: z.string().min(1).optional().describe('A local JWKS JSON file.'),
    public_key_file: z.string().min(1).optional().describe('A PEM (SPKI) public key file.'),
    secret_env: z.string().min(1).optional().describe('Name of an environment variable holding an HS* secret (>= 32 bytes).'),
    algorithms: z.array(z.string().min(1)).min(1).describe('Accepted `alg` values; required, never mixes HS* with asymmetric.'),
    clock_tolerance: z.number().int().min(0).default(30).describe('Seconds of clock skew tolerated for exp/nbf/iat.'),
  })
  .strict();

export const authConfigSchema = z
  .object({
    mode: z.enum(['jwt', 'disabled']).default('jwt').describe('`disabled` is for local experiments only.'),
    issuers: z.array(issuerSchema).default([]),
    principal: z
      .object({
        roles_claim: z.string().default('roles'),
        scopes_claims: z.array(z.string()).default(['scope', 'scp']),
      })
      .strict()
      .default({ roles_claim: 'roles', scopes_claims: ['scope', 'scp'] }),
    required_scopes: z.array(z.string()).default([]),
    resource: z.string().optional().describe('RFC 9728 `resource` identifier of this gateway.'),
    authorization_servers: z.array(z.string()).default([]),
    scopes_supported: z.array(z.string()).default([]),
  })
  .strict();

export type AuthConfig = z.infer<typeof authConfigSchema>;
