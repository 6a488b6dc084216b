import { z } from 'zod';
import { timerMs } from '../timer-ms.ts';
import { approvalsConfigSchema } from '../approvals/config.ts';
import { auditConfigSchema } from '../audit/config.ts';
import { authConfigSchema } from '../auth/config.ts';
import { compositeModulesSchema, compositesConfigSchema } from '../composites/config.ts';
import { consoleConfigSchema } from '../console/config.ts';
import { integrityConfigSchema } from '../integrity/config.ts';
import { limitsConfigSchema } from '../limits/config.ts';
import { policyConfigSchema } from '../policy/config.ts';
import { DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH_LIMIT } from '../json-depth.ts';

/**
 * The whole warden.config.json. `mcpServers` entries keep exactly the shape Claude Code and
 * Claude Desktop write (camelCase, unknown keys such as `disabled` tolerated and ignored), so a
 * user's existing list can be pasted or pointed at; every section that is ours is strict.
 */

export const PUBLIC_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const timeoutMs = z.number().int().positive().max(3_600_000);

const stdioServerSchema = z.object({
  type: z.literal('stdio').optional(),
  command: z.string().min(1).describe('Executable, started without a shell.'),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}).describe('Added to the SDK\'s safe env allow-list.'),
  cwd: z.string().min(1).optional(),
  timeout_ms: timeoutMs.optional().describe('Per-call timeout for this upstream.'),
});

const remoteServerSchema = z.object({
  type: z.enum(['sse', 'http', 'streamable-http']),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).default({}),
  timeout_ms: timeoutMs.optional(),
});

export type McpServerEntry = z.infer<typeof stdioServerSchema> | z.infer<typeof remoteServerSchema>;

/**
 * Picks the entry's schema the way Claude Code does (a `url` or a remote `type` means remote),
 * so an error names the one field that is wrong instead of listing every union branch.
 */
export function mcpServerSchemaFor(raw: unknown): typeof stdioServerSchema | typeof remoteServerSchema {
  const entry = isPlainObject(raw) ? raw : {};
  const remote = 'url' in entry || (typeof entry.type === 'string' && entry.type !== 'stdio');
  return remote ? remoteServerSchema : stdioServerSchema;
}

const serversObject = z.record(z.string().min(1), z.custom<Record<string, unknown>>(isPlainObject, 'expected an object'));

/** A Claude Code `.mcp.json` (or Claude Desktop config): only `mcpServers` matters to us. */
export const mcpJsonFileSchema = z.object({ mcpServers: serversObject });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const upstreamNamingSchema = z
  .object({
    rename: z
      .record(z.string(), z.string().regex(PUBLIC_NAME_PATTERN, 'expected a public name matching ^[a-zA-Z0-9_-]{1,64}$'))
      .default({})
      .describe('Original tool/prompt name -> exact public name (no prefix added).'),
    hide: z.array(z.string()).default([]).describe('Original tool/prompt names never offered.'),
  })
  .strict();

export const namespacingSchema = z
  .object({
    separator: z.string().regex(/^[a-zA-Z0-9_-]{1,8}$/, 'expected 1-8 characters of [a-zA-Z0-9_-]').default('__'),
    strategy: z.enum(['always', 'conflict', 'none']).default('always'),
    description_prefix: z.boolean().default(true).describe('Prefix tool descriptions with "[upstream] ".'),
    page_size: z.number().int().min(1).max(10_000).default(100).describe('Items per page of the gateway\'s own lists.'),
    upstreams: z.record(z.string(), upstreamNamingSchema).default({}),
  })
  .strict();

const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8787),
    allowed_hosts: z.array(z.string().min(1)).default([]).describe('Extra Host header values accepted besides the bind address.'),
    allowed_origins: z.array(z.string().min(1)).default([]).describe('Origins accepted besides http(s)://localhost / 127.0.0.1.'),
    max_body_bytes: z.number().int().positive().default(4 * 1024 * 1024).describe('Largest request: an HTTP body (413 beyond it) or a stdio line (REQUEST_TOO_LARGE).'),
    max_json_depth: z.number().int().min(8).max(MAX_JSON_DEPTH_LIMIT).default(DEFAULT_MAX_JSON_DEPTH).describe('Deepest nesting of objects and arrays in a request (REQUEST_TOO_DEEP beyond it).'),
    shutdown_grace_ms: timerMs().min(0).default(5_000).describe('How long in-flight calls may finish on SIGINT/SIGTERM.'),
    session_idle_ms: timerMs().positive().default(30 * 60_000).describe('A Streamable HTTP session without requests this long is closed.'),
    watch_config: z.boolean().default(true).describe('Reload the config when its file changes, as SIGHUP does.'),
    session_key: z
      .string()
      .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`); keep it out of the file: "${WARDEN_SESSION_KEY}"')
      .optional()
      .describe('Seals old-era session ids and the requestState of relayed input_required results (AES-256-GCM), so any replica holding the same key can continue them. Required with audit.backend postgres; without it a random key lives as long as the process.'),
    request_state_ttl_ms: z.number().int().positive().max(86_400_000).default(600_000).describe('How long a relayed input_required requestState may be brought back (REQUEST_STATE_EXPIRED after).'),
    pending_input_max: z.number().int().positive().max(100_000).default(100).describe('At most this many old-era upstream calls wait, parked, for a 2026-07-28 caller to answer their sampling/elicitation/roots request (input_required); beyond it the upstream is refused (CONCURRENCY_LIMITED).'),
    pending_input_ttl_ms: z.number().int().positive().max(3_600_000).default(120_000).describe('How long a parked upstream call waits for the caller\'s retry before it is cancelled (at most request_state_ttl_ms).'),
    metrics: z.boolean().default(false).describe('Serve GET /metrics (Prometheus text) on the MCP port, without a token, like /readyz.'),
    headers_timeout_ms: z.number().int().positive().max(600_000).default(10_000).describe('A client must send its whole request head within this (408 after).'),
    request_timeout_ms: z.number().int().positive().max(3_600_000).default(30_000).describe('A client must send its whole request, head and body, within this (408 after).'),
    keep_alive_timeout_ms: z.number().int().positive().max(600_000).default(5_000).describe('An idle keep-alive connection is closed after this.'),
    admin_port: z.number().int().min(0).max(65535).optional().describe('A second listener on the same host serving only /metrics and /readyz (0: any free port).'),
  })
  .strict()
  // node:http refuses to start otherwise; say so with the field instead of a RangeError.
  .refine((server) => server.headers_timeout_ms <= server.request_timeout_ms, { path: ['headers_timeout_ms'], message: 'must not exceed server.request_timeout_ms' });

const tracingSchema = z
  .object({
    otlp_url: z.url({ protocol: /^https?$/ }).optional().describe('OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces); absent: traces are recorded only if the operator registers an OpenTelemetry SDK.'),
    headers: z.record(z.string(), z.string()).default({}).describe('Headers sent with each export (an API key of the collector).'),
    service_name: z.string().min(1).default('mcp-warden'),
    sample_ratio: z.number().min(0).max(1).default(1).describe('Share of new traces recorded; a client\'s sampled flag is followed.'),
    protocol: z
      .enum(['http/protobuf', 'http/json'])
      .default('http/protobuf')
      .describe('The OTLP/HTTP encoding, named as OTEL_EXPORTER_OTLP_PROTOCOL names it. protobuf (OpenTelemetry\'s default) costs a third of the CPU of JSON per exported span and a quarter of the bytes.'),
  })
  .strict();

const upstreamDefaultsSchema = z
  .object({
    timeout_ms: timeoutMs.default(60_000),
    connect_timeout_ms: timeoutMs.default(30_000),
    reconnect_initial_ms: timerMs().positive().default(500),
    reconnect_max_ms: timerMs().positive().default(30_000),
  })
  .strict();

export const configFileSchema = z
  .object({
    $schema: z.string().optional(),
    mcpServers: z.custom<string | Record<string, unknown>>(
      (v) => (typeof v === 'string' && v.length > 0) || isPlainObject(v),
      'expected an object of servers or the path of a .mcp.json file',
    ),
    namespacing: namespacingSchema.default(namespacingSchema.parse({})),
    server: serverSchema.default(serverSchema.parse({})),
    upstream_defaults: upstreamDefaultsSchema.default(upstreamDefaultsSchema.parse({})),
    auth: authConfigSchema.default(authConfigSchema.parse({})),
    policy: policyConfigSchema.default(policyConfigSchema.parse({})),
    audit: auditConfigSchema.default(auditConfigSchema.parse({})),
    tracing: tracingSchema.optional(),
    integrity: integrityConfigSchema.default(integrityConfigSchema.parse({})),
    approvals: approvalsConfigSchema.default(approvalsConfigSchema.parse({})),
    limits: limitsConfigSchema.default(limitsConfigSchema.parse({})),
    console: consoleConfigSchema.default(consoleConfigSchema.parse({})),
    composites: compositesConfigSchema,
    composite_modules: compositeModulesSchema,
  })
  .strict();

export type NamespacingConfig = z.infer<typeof namespacingSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;
export type UpstreamDefaults = z.infer<typeof upstreamDefaultsSchema>;
export type TracingConfig = z.infer<typeof tracingSchema>;
