import { dirname, isAbsolute, resolve } from 'node:path';
import type { AuditConfig } from '../audit/config.ts';
import type { ConsoleConfig } from '../console/config.ts';
import type { IntegrityConfig } from '../integrity/config.ts';
import type { ApprovalsConfig } from '../approvals/config.ts';
import type { AuthConfig } from '../auth/config.ts';
import { COMPOSITE_SERVER, type CompositeModule, compositeModuleAt, type DeclarativeCompositeConfig } from '../composites/config.ts';
import { WardenError } from '../errors.ts';
import { type LimitsConfig, upstreamLimits } from '../limits/config.ts';
import type { PolicyConfig } from '../policy/config.ts';
import { type Env, expandEnv } from './expand-env.ts';
import { readJsonFile, validate } from './read-json.ts';
import {
  configFileSchema,
  mcpJsonFileSchema,
  mcpServerSchemaFor,
  type McpServerEntry,
  type NamespacingConfig,
  type ServerConfig,
  type TracingConfig,
  type UpstreamDefaults,
} from './schema.ts';

export interface StdioUpstreamSpec {
  readonly name: string;
  readonly transport: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly timeoutMs: number;
  readonly limits: UpstreamCallLimits;
}

export interface RemoteUpstreamSpec {
  readonly name: string;
  readonly transport: 'sse' | 'http';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly limits: UpstreamCallLimits;
}

/** What the upstream connection itself enforces (limits.upstream_defaults and limits.upstreams.<name>). */
interface UpstreamCallLimits {
  readonly maxResultBytes: number;
  readonly breaker: { readonly failures: number; readonly openMs: number };
}

export type UpstreamSpec = StdioUpstreamSpec | RemoteUpstreamSpec;

/** The frozen internal form: the runtime never sees raw user config. */
export interface ResolvedConfig {
  readonly file: string;
  /** Every file this config was read from (the config file, a separate `mcpServers` file, composite modules): a reload watches them all. */
  readonly sources: readonly string[];
  readonly baseDir: string;
  /** In config order: that order breaks resource URI ties. */
  readonly upstreams: readonly UpstreamSpec[];
  readonly namespacing: NamespacingConfig;
  readonly server: ServerConfig;
  readonly upstreamDefaults: UpstreamDefaults;
  readonly auth: AuthConfig;
  readonly policy: PolicyConfig;
  readonly audit: AuditConfig;
  /** Absent: no exporter of our own (an operator's `--import`ed SDK still records). */
  readonly tracing: TracingConfig | undefined;
  readonly integrity: IntegrityConfig;
  readonly approvals: ApprovalsConfig;
  readonly limits: LimitsConfig;
  readonly console: ConsoleConfig;
  readonly composites: readonly DeclarativeCompositeConfig[];
  /** Modules exporting defineComposite(...) values, with the digest of their content: an edited module is a changed config. */
  readonly compositeModules: readonly CompositeModule[];
}

export function loadConfig(file: string, env: Env = process.env): ResolvedConfig {
  const path = resolve(file);
  const raw = expandEnv(readJsonFile(path), env, path);
  const parsed = validate(configFileSchema, raw, path);
  const baseDir = dirname(path);

  let serversFile = path;
  let servers: Record<string, unknown>;
  if (typeof parsed.mcpServers === 'string') {
    serversFile = resolve(baseDir, parsed.mcpServers);
    servers = validate(mcpJsonFileSchema, expandEnv(readJsonFile(serversFile), env, serversFile), serversFile).mcpServers;
  } else {
    servers = parsed.mcpServers;
  }
  if (COMPOSITE_SERVER in servers) {
    throw new WardenError('CONFIG_INVALID', `${serversFile}: mcpServers.${COMPOSITE_SERVER}: the name "${COMPOSITE_SERVER}" is reserved for the gateway's own composite tools`, {
      details: { file: serversFile, path: `mcpServers.${COMPOSITE_SERVER}` },
    });
  }
  const upstreams = Object.entries(servers).map(([name, entry]) =>
    toSpec(name, validate(mcpServerSchemaFor(entry), entry, serversFile, ['mcpServers', name]), baseDir, parsed.upstream_defaults, parsed.limits),
  );

  const named = [
    ...Object.keys(parsed.namespacing.upstreams).map((name) => [`namespacing.upstreams.${name}`, name]),
    ...Object.keys(parsed.limits.upstreams).map((name) => [`limits.upstreams.${name}`, name]),
    ...parsed.limits.rate.flatMap((rule, i) => (rule.match.upstream === undefined ? [] : [[`limits.rate.${i}.match.upstream`, rule.match.upstream]])),
  ];
  for (const [at, name] of named) {
    if (!Object.hasOwn(servers, name!)) {
      throw new WardenError('CONFIG_INVALID', `${path}: ${at}: no server named "${name}" in mcpServers`, { details: { file: path, path: at } });
    }
  }

  // PostgreSQL is the backend of several replicas: a session begun on one must be continuable on
  // another, and only a key they all share makes its id something any of them can trust.
  if (parsed.audit.backend === 'postgres' && parsed.server.session_key === undefined) {
    throw new WardenError('CONFIG_INVALID', `${path}: server.session_key: is required with "audit.backend": "postgres" (several replicas): set the same secret of 32+ characters on every replica, e.g. "\${WARDEN_SESSION_KEY}" from \`openssl rand -hex 32\``, {
      details: { file: path, path: 'server.session_key' },
    });
  }

  if (parsed.console.listener === 'admin' && parsed.server.admin_port === undefined) {
    throw new WardenError('CONFIG_INVALID', `${path}: console.listener: "admin" needs server.admin_port`, { details: { file: path, path: 'console.listener' } });
  }

  const compositeModules = parsed.composite_modules.map((m) => compositeModuleAt(m, baseDir));
  return deepFreeze({
    file: path,
    sources: [...new Set([path, serversFile, ...compositeModules.map((m) => m.path)])],
    baseDir,
    upstreams,
    namespacing: parsed.namespacing,
    server: parsed.server,
    upstreamDefaults: parsed.upstream_defaults,
    auth: parsed.auth,
    policy: parsed.policy,
    audit: parsed.audit,
    tracing: parsed.tracing,
    integrity: parsed.integrity,
    approvals: parsed.approvals,
    limits: parsed.limits,
    console: parsed.console,
    composites: parsed.composites,
    compositeModules,
  });
}

function toSpec(name: string, entry: McpServerEntry, baseDir: string, defaults: UpstreamDefaults, limitsConfig: LimitsConfig): UpstreamSpec {
  const timeoutMs = entry.timeout_ms ?? defaults.timeout_ms;
  const own = upstreamLimits(limitsConfig, name);
  const limits = { maxResultBytes: own.max_result_bytes, breaker: { failures: own.breaker.failures, openMs: own.breaker.open_ms } };
  if ('url' in entry) {
    return { name, transport: entry.type === 'sse' ? 'sse' : 'http', url: entry.url, headers: entry.headers, timeoutMs, limits };
  }
  const cwd = entry.cwd === undefined ? undefined : isAbsolute(entry.cwd) ? entry.cwd : resolve(baseDir, entry.cwd);
  return { name, transport: 'stdio', command: entry.command, args: entry.args, env: entry.env, cwd, timeoutMs, limits };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
