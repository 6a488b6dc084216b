import { z } from 'zod';

/**
 * `console` section of warden.config.json (issue 16): the read-only web console at /console.
 * Off unless enabled (the example deployment enables it). Who may see which page is the
 * policy's decision (`method: "console/read"`, `input.console.page`), never this file's.
 */
const oidcSchema = z
  .object({
    issuer: z.url({ protocol: /^https?$/ }).describe('The OpenID provider: its /.well-known/openid-configuration names the authorization and token endpoints.'),
    client_id: z.string().min(1),
    client_secret_env: z.string().min(1).optional().describe('Environment variable holding the client secret; absent: a public client (PKCE only).'),
    scope: z.string().min(1).default('openid'),
    resource: z.url().optional().describe('RFC 8707 resource indicator asked for, so the access token is one the gateway accepts (usually auth.resource).'),
  })
  .strict();

const devUserSchema = z.object({ sub: z.string().min(1), roles: z.array(z.string().min(1)).default([]) }).strict();

const devLoginSchema = z
  .object({
    private_key_file: z.string().min(1).describe('PEM private key (relative to the config file) of an issuer the gateway trusts: DEV-ONLY.'),
    issuer: z.string().min(1),
    audience: z.string().min(1),
    algorithm: z.enum(['RS256', 'ES256', 'EdDSA']).default('RS256'),
    key_id: z.string().min(1).optional().describe('The kid of the key in the JWKS the gateway reads.'),
    ttl_seconds: z.number().int().min(30).max(3600).default(900),
    users: z.array(devUserSchema).min(1),
  })
  .strict();

export const consoleConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    listener: z.enum(['mcp', 'admin']).default('mcp').describe('Serve /console on the MCP port or on server.admin_port.'),
    oidc: oidcSchema.optional(),
    dev_login: devLoginSchema.optional().describe('DEV-ONLY: a login that mints a short-lived token for one of `users`.'),
    poll_ms: z.number().int().min(250).max(60_000).default(2000).describe('How often the live tail asks for new decisions.'),
  })
  .strict();

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
export type DevLoginConfig = z.infer<typeof devLoginSchema>;
export type OidcLoginConfig = z.infer<typeof oidcSchema>;
