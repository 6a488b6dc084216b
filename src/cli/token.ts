import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadSigningKey, signToken, SUPPORTED_ALGORITHMS, type SignedToken } from '../auth/index.ts';
import { WardenError, isWardenError } from '../errors.ts';
import { durationFlag, wantsHelp } from './args.ts';

/**
 * `warden token create`: mints a signed JWT for local use. The defaults match the DEV-ONLY keys
 * in examples/keys (see its README), so a token made with `--key examples/keys/dev-only-private.pem`
 * is accepted by the example deployment. Prints the token (or `--json`: token, header, claims).
 */
export const DEV_DEFAULTS = { iss: 'https://dev-idp.mcp-warden.invalid', aud: 'mcp-warden', kid: 'warden-dev-1', ttl: '1h' } as const;

const USAGE_TEXT = `usage: warden token create --sub NAME --roles R[,R...] --key FILE
         [--scopes S[,S...]] [--ttl 1h] [--iss URL] [--aud NAME] [--kid ID] [--alg ALG] [--json]
  --key    PEM or JWK private key (RS256 / ES256 / EdDSA by key type) or a secret file (HS256)
  --ttl    lifetime: 90s, 15m, 1h, 7d or 2w (default ${DEV_DEFAULTS.ttl})
  --iss    default ${DEV_DEFAULTS.iss}
  --aud    default ${DEV_DEFAULTS.aud}
  --kid    default ${DEV_DEFAULTS.kid}`;

/** A comma-separated flag value as a list. */
const list = (flag: string) =>
  z.string({ error: `${flag} is required` }).transform((text) => text.split(',').map((item) => item.trim()).filter((item) => item !== ''));

const optionsSchema = z.object({
  sub: z.string({ error: '--sub is required' }).min(1, '--sub must not be empty'),
  roles: list('--roles').pipe(z.array(z.string()).min(1, '--roles needs at least one role')),
  scopes: list('--scopes').default([]),
  key: z.string({ error: '--key is required' }).min(1),
  ttl: z.string().default(DEV_DEFAULTS.ttl).pipe(durationFlag(1000)).transform((ms) => Math.floor(ms / 1000)),
  iss: z.string().min(1).default(DEV_DEFAULTS.iss),
  aud: z.string().min(1).default(DEV_DEFAULTS.aud),
  kid: z.string().min(1).default(DEV_DEFAULTS.kid),
  alg: z.enum(SUPPORTED_ALGORITHMS, { error: `--alg must be one of ${SUPPORTED_ALGORITHMS.join(', ')}` }).optional(),
  json: z.boolean().default(false),
});

export type TokenCreateOptions = z.infer<typeof optionsSchema>;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h' || (command === 'create' && wantsHelp(rest))) return usage(0);
  if (command !== 'create') return fail(new WardenError('USAGE', command === undefined ? 'a command is required: create' : `unknown command "${command}"; expected "create"`), 2);
  try {
    const options = parseOptions(rest);
    const signed = await createToken(options, Date.now());
    process.stdout.write(render(signed, options.json));
    return 0;
  } catch (error) {
    return fail(error, isWardenError(error, 'USAGE') ? 2 : 1);
  }
}

export function parseOptions(args: string[]): TokenCreateOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        sub: { type: 'string' },
        roles: { type: 'string' },
        scopes: { type: 'string' },
        key: { type: 'string' },
        ttl: { type: 'string' },
        iss: { type: 'string' },
        aud: { type: 'string' },
        kid: { type: 'string' },
        alg: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new WardenError('USAGE', (error as Error).message);
  }
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) throw new WardenError('USAGE', parsed.error.issues.map((issue) => (issue.path[0] === 'ttl' ? `--ttl: ${issue.message}` : issue.message)).join('; '));
  return parsed.data;
}

export async function createToken(options: TokenCreateOptions, nowMs: number): Promise<SignedToken> {
  const signing = await loadSigningKey(options.key, options.alg);
  const claims = { sub: options.sub, roles: options.roles, scopes: options.scopes, iss: options.iss, aud: options.aud, ttlSeconds: options.ttl };
  return signToken(signing, claims, options.kid, nowMs);
}

export function render(signed: SignedToken, json: boolean): string {
  return json ? `${JSON.stringify(signed, null, 2)}\n` : `${signed.token}\n`;
}

function usage(code: number): number {
  (code === 0 ? process.stdout : process.stderr).write(`${USAGE_TEXT}\n`);
  return code;
}

function fail(error: unknown, code: number): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`warden token: ${message}\n`);
  if (code === 2) usage(2);
  return code;
}
