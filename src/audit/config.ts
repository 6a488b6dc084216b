import { z } from 'zod';
import { timerMs } from '../timer-ms.ts';

const DEFAULT_REDACT_KEYS = ['password', 'secret', 'token', 'api_key', 'apikey', 'authorization', 'cookie', 'private_key'];

/** A user-supplied value pattern must compile, or the config is refused naming the entry. */
const regexSource = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, 'g');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
    return;
  }
  // A pattern that matches nothing at all would "redact" between every character.
  if (new RegExp(source).test('')) ctx.addIssue({ code: 'custom', message: 'must not match the empty string' });
});

/** `audit.checkpoint`: signed checkpoints of the chain, kept off the database (src/audit/checkpoints/). */
export const checkpointConfigSchema = z
  .object({
    private_key_file: z.string().min(1).describe('Ed25519 private key, PEM (PKCS#8), e.g. `openssl genpkey -algorithm ed25519 -out checkpoint.key`; relative to the config file. Give its public half (`openssl pkey -in checkpoint.key -pubout`) to whoever verifies.'),
    file: z.string().min(1).optional().describe('Appends one signed checkpoint a line (JSON); relative to the config file. Best on another host or an append-only mount.'),
    url: z.string().url().regex(/^https?:\/\//, 'expected an http:// or https:// URL').optional().describe('POSTs each signed checkpoint (the same JSON line) here; retried in order with the next one while it fails.'),
    every_rows: z.number().int().min(1).default(1000).describe('A checkpoint after this many rows since the last one...'),
    every_ms: timerMs().min(100).default(60_000).describe('...or after this long, when the chain moved.'),
    post_timeout_ms: timerMs().min(100).default(5000).describe('How long a POST may take before it is retried with the next checkpoint.'),
  })
  .strict()
  .refine((checkpoint) => checkpoint.file !== undefined || checkpoint.url !== undefined, { message: 'give "file", "url" or both: where the signed checkpoints go', path: ['file'] });

export type CheckpointConfig = z.infer<typeof checkpointConfigSchema>;

/** `audit` section of warden.config.json. Refined by the audit module; composed in src/config. */
/** A replica's name: its hash chain, its advisory lock and its rows carry it. */
const replicaId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected 1-63 letters, digits, "_", "." or "-" (e.g. the host name: "${HOSTNAME}")');

export const auditConfigSchema = z
  .object({
    backend: z.enum(['sqlite', 'postgres']).default('sqlite').describe('sqlite: one file, one gateway (the default). postgres: one database shared by many replicas, one hash chain each.'),
    url: z
      .string()
      .regex(/^postgres(?:ql)?:\/\//, 'expected a postgres://user[:password]@host[:port]/database URL')
      .optional()
      .describe('backend postgres: the database (keep the password out of the file: "${WARDEN_AUDIT_URL}").'),
    replica_id: replicaId.optional().describe('backend postgres: this process\'s chain. Unique per live process: a second process with the same id is refused.'),
    witness_interval_ms: timerMs().min(100).default(10_000).describe('backend postgres: how often a replica records the other replicas\' chain heads in its own chain.'),
    statement_timeout_ms: timerMs().min(100).default(5000).describe('backend postgres: a write slower than this is refused (AUDIT_UNAVAILABLE) and the connection renewed.'),
    idle_in_transaction_timeout_ms: timerMs().min(100).default(5000).describe('backend postgres: the server ends a session idle inside a transaction this long (a frozen process), releasing its locks.'),
    connect_timeout_ms: timerMs().min(100).default(5000).describe('backend postgres: connecting, and each reconnection attempt.'),
    path: z.string().min(1).default('warden-audit.db').describe('SQLite file; relative to the config file\'s directory (`warden serve`, `warden audit --config`).'),
    synchronous: z.enum(['normal', 'full']).default('normal').describe('normal: nothing lost on a process crash; full: nothing lost on power loss.'),
    busy_timeout_ms: timerMs().min(0).default(2000).describe('How long a write waits for a lock held by another connection before the call is refused.'),
    max_size_mb: z.number().positive().optional().describe('Cap on the database size; when reached, calls are refused (AUDIT_UNAVAILABLE). Unset: no cap.'),
    checkpoint_interval_ms: timerMs().min(50).default(1000).describe('WAL checkpoints run on this timer, never inside a request\'s commit.'),
    chain_key: z
      .string()
      .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`); keep it out of the file: "${WARDEN_AUDIT_CHAIN_KEY}"')
      .optional()
      .describe('Secret for an HMAC-SHA256 chain: without it, someone who can write the database cannot recompute the chain after an edit. Once set, the log needs it to be written and verified.'),
    retired_chain_keys: z
      .array(z.string().min(32))
      .default([])
      .describe('Chain keys rotated out by `warden audit keys rotate`: verify needs them for the rows written under them ("${WARDEN_AUDIT_RETIRED_CHAIN_KEY}"). Never written with.'),
    checkpoint: checkpointConfigSchema.optional().describe('Signed checkpoints of the hash chain, off the call path. Unset: none.'),
    authn_failure_window_ms: timerMs().min(10).default(60_000).describe('authn_failure events are aggregated per source and reason over this window.'),
    redact: z
      .object({
        keys: z.array(z.string().min(1)).default(DEFAULT_REDACT_KEYS).describe('Argument keys whose values are replaced (case and _/- insensitive, suffix match).'),
        patterns: z.array(regexSource).default([]).describe('Extra value regexes to redact, besides the built-in ones.'),
      })
      .strict()
      .default({ keys: DEFAULT_REDACT_KEYS, patterns: [] }),
  })
  .strict()
  .superRefine((audit, ctx) => {
    if (audit.backend !== 'postgres') {
      for (const key of ['url', 'replica_id'] as const) {
        if (audit[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only used with "backend": "postgres"' });
      }
      return;
    }
    if (audit.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required with "backend": "postgres" (e.g. "${WARDEN_AUDIT_URL}")' });
    if (audit.replica_id === undefined) ctx.addIssue({ code: 'custom', path: ['replica_id'], message: 'is required with "backend": "postgres": a name unique to this process (e.g. "${HOSTNAME}")' });
  });

export type AuditConfig = z.infer<typeof auditConfigSchema>;
