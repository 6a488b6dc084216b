import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { openConfiguredAuditStore, openConfiguredSessionState, type AuditStore, type SessionStateStore, type ShadowDisagreementEvent } from '../audit/index.ts';
import { SwappableAuthenticator, createAuthenticator } from '../auth/index.ts';
import { loadComposites } from '../composites/index.ts';
import { loadConfig, type ResolvedConfig } from '../config/index.ts';
import { createAuthEdge, serveAdmin, serveHttp, serveStdio, type AdminEdge } from '../downstream/index.ts';
import { Gateway } from '../gateway/index.ts';
import { createSealer } from '../seal.ts';
import { setMetricsEnabled, startTracing } from '../metrics/index.ts';
import { type Logger, logger } from '../log.ts';
import type { InFlight } from '../pipeline/index.ts';
import { createPolicyEngine, type ReloadablePolicyEngine, type ShadowDisagreement } from '../policy/index.ts';
import { parseFlags } from './args.ts';
import { type ReloadTargets, reloadConfig } from './config-reload.ts';
import { type FileWatcher, watchPaths } from '../file-watch.ts';
import { startConsole } from './serve-console.ts';
import { EXIT } from './exit-codes.ts';
import { VERSION } from '../package-root.ts';

const USAGE = 'usage: warden serve [--config PATH] (--stdio | --http [--host 127.0.0.1] [--port 8787])';

const flagsSchema = z
  .object({
    config: z.string().min(1).default('warden.config.json'),
    stdio: z.boolean().default(false),
    http: z.boolean().default(false),
    host: z.string().min(1).optional(),
    port: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).optional(),
    help: z.boolean().default(false),
  })
  .refine((f) => f.help || f.stdio !== f.http, { message: 'choose exactly one of --stdio or --http' });

export interface Services {
  /** Replaced by a config reload that changes `auth` (config-reload.ts). */
  authenticator: SwappableAuthenticator;
  policy: ReloadablePolicyEngine;
  audit: AuditStore;
  sessionState: SessionStateStore;
  close(): Promise<void>;
}

/**
 * The wiring: the real authenticator, policy engine and audit store from the config. Whatever
 * fails to load refuses the start (its WardenError code decides the exit code); whatever was
 * already opened is closed again.
 */
export async function buildServices(config: ResolvedConfig, log: Logger): Promise<Services> {
  const audit = await openConfiguredAuditStore(config.audit, config.baseDir, { logger: log, version: VERSION });
  const sessionState = openConfiguredSessionState(config.audit, log);
  const opened: Array<() => Promise<void>> = [() => audit.close('shutdown'), () => sessionState.close()];
  try {
    await audit.recordLifecycle({
      kind: 'config_loaded', time: new Date().toISOString(), file: config.file, sha256: createHash('sha256').update(readFileSync(config.file)).digest('hex'),
    });
    const authenticator = new SwappableAuthenticator(await createAuthenticator(config.auth, { baseDir: config.baseDir, logger: log }));
    opened.unshift(() => authenticator.close());
    const policy = await createPolicyEngine(config.policy, {
      baseDir: config.baseDir,
      logger: log,
      onReload: (e) =>
        void audit
          .recordLifecycle({ kind: 'policy_reload', time: new Date().toISOString(), revision: e.newRevision, previousRevision: e.oldRevision, ok: e.ok, ...(e.error ? { error: e.error.message } : {}) })
          .catch((error: unknown) => log.error({ err: error }, 'recording a policy reload failed')),
      onShadowDisagreement: (e) =>
        void audit.recordLifecycle(shadowDisagreementEvent(e)).catch((error: unknown) => log.error({ err: error }, 'recording a shadow policy disagreement failed')),
    });
    opened.unshift(() => policy.close());
    return { authenticator, policy, audit, sessionState, close: () => closeAll(opened) };
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
}

/** What the audit row of a shadow disagreement names: the request (as its decision row does) and both verdicts. */
export function shadowDisagreementEvent({ time, input, live, shadow }: ShadowDisagreement): ShadowDisagreementEvent {
  const item = input.tool ? { name: input.tool.name, server: input.tool.server } : input.resource ? { name: input.resource.uri, server: input.resource.server } : input.prompt;
  const event: ShadowDisagreementEvent = {
    kind: 'shadow_disagreement',
    time,
    decisionId: live.decisionId,
    requestId: input.request.id,
    method: input.method,
    live: live.allow ? 'allow' : 'deny',
    shadow: shadow.allow ? 'allow' : 'deny',
    shadowReasons: shadow.reasons,
    liveRevision: live.revision,
    shadowRevision: shadow.revision,
  };
  if (input.principal) event.sub = input.principal.sub;
  if (item) {
    event.publicName = item.name;
    event.upstream = item.server;
  }
  if (shadow.code) event.shadowCode = shadow.code;
  return event;
}

async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  for (const close of closers) await close().catch((error: unknown) => logger.error({ err: error }, 'closing a service failed'));
}

export async function run(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    config: { type: 'string', short: 'c' }, stdio: { type: 'boolean' }, http: { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, flagsSchema);
  if (flags.help) return void process.stdout.write(`${USAGE}\n`), EXIT.OK;

  const config = loadConfig(flags.config);
  // Composites are part of the config: a broken template or module refuses the start before anything opens.
  const composites = await loadComposites(config.composites, config.compositeModules);
  const log = logger.child({ component: 'gateway' });
  // Signals are caught from here on, so a stop during start-up still closes what was opened.
  const stop = shutdownSignal(log);
  let services: Services | undefined;
  let gateway: Gateway | undefined;
  let admin: AdminEdge | undefined;
  let reloads: ConfigReloads | undefined;
  let consoleUi: Awaited<ReturnType<typeof startConsole>>;
  setMetricsEnabled(config.server.metrics || config.server.admin_port !== undefined);
  const stopTracing = await startTracing(config.tracing);
  try {
    services = await buildServices(config, logger);
    const { policy, audit, authenticator } = services;
    gateway = new Gateway(config, { ...services, authFailures: services.audit, log, version: VERSION, composites, integrity: services.audit, approvals: services.audit.approvals, tasks: services.audit.tasks });
    reloads = configReloads(config, { audit, policy, authenticator, gateway, log });
    stop.onReload(reloads.reload);
    await Promise.race([gateway.start(), stop.received]);
    if (stop.fired) return EXIT.OK;
    consoleUi = await startConsole(config, gateway, services, log);
    const health = { audit: services.audit.health, policyRevision: () => policy.revision, ...(config.audit.replica_id === undefined ? {} : { replicaId: config.audit.replica_id }) };
    if (config.server.admin_port !== undefined) {
      const { host, admin_port: port, allowed_hosts: allowedHosts, allowed_origins: allowedOrigins } = config.server;
      // Draining begins with the stop signal; the admin port reports it as the MCP port does.
      const adminConsole = config.console.listener === 'admin' ? consoleUi?.handler : undefined;
      admin = await serveAdmin(gateway, { host, port, allowedHosts, allowedOrigins, health, draining: () => stop.fired, console: adminConsole });
      log.info({ url: admin.url }, `admin listening (/metrics, /readyz${adminConsole ? ', /console' : ''})`);
    }
    if (flags.http) {
      const edge = await serveHttp(gateway, {
        host: flags.host ?? config.server.host,
        port: flags.port ?? config.server.port,
        allowedHosts: config.server.allowed_hosts,
        allowedOrigins: config.server.allowed_origins,
        maxBodyBytes: config.server.max_body_bytes,
        maxJsonDepth: config.server.max_json_depth,
        sessionIdleMs: config.server.session_idle_ms,
        auth: createAuthEdge({
          authenticator: services.authenticator,
          auth: config.auth,
          ...(config.auth.resource === undefined ? {} : { resourceUrl: config.auth.resource }),
          authFailures: services.audit,
          log,
        }),
        ...(config.server.session_key === undefined ? {} : { sessions: { sealer: createSealer(config.server.session_key), replicaId: config.audit.replica_id ?? hostname() } }),
        health,
        metrics: config.server.metrics,
        ...(consoleUi && config.console.listener === 'mcp' ? { console: consoleUi.handler } : {}),
      });
      log.info({ url: edge.url, ...(consoleUi && config.console.listener === 'mcp' ? { console: edge.url.replace(/\/mcp$/, '/console/') } : {}) }, 'listening');
      await stop.received;
      const inFlight = gateway.inFlight;
      const abandoned = await edge.drain(config.server.shutdown_grace_ms, () => inFlight.size);
      if (abandoned > 0) log.warn({ abandoned }, 'shutdown grace elapsed with calls in flight');
      await edge.close();
    } else {
      const { closed } = await serveStdio(gateway, { maxLineBytes: config.server.max_body_bytes, maxJsonDepth: config.server.max_json_depth });
      log.info({ transport: 'stdio' }, 'serving on stdio');
      await Promise.race([stop.received, closed]);
      await drain(gateway.inFlight, config.server.shutdown_grace_ms, log);
    }
    return EXIT.OK;
  } finally {
    stop.dispose();
    reloads?.close();
    await admin?.close();
    consoleUi?.close();
    await gateway?.close();
    await services?.close();
    await stopTracing();
    log.info('stopped');
  }
}

interface ConfigReloads {
  reload(): void;
  close(): void;
}

/**
 * Reloads on SIGHUP and, with `server.watch_config`, when any file the config was read from
 * changes (the config file, a separate `mcpServers` file, composite modules); one at a time, each
 * against the config the previous one left running. A reload that names other files moves the watch.
 */
function configReloads(initial: ResolvedConfig, targets: ReloadTargets): ConfigReloads {
  let running = initial;
  let queue = Promise.resolve();
  let watcher: FileWatcher | undefined;
  let watched: readonly string[] = [];
  const watchSources = (sources: readonly string[]) => {
    if (!initial.server.watch_config || isDeepStrictEqual(sources, watched)) return;
    watcher?.close();
    watcher = watchPaths(sources, 150, reload, targets.log, 'config');
    watched = sources;
  };
  const reload = (): void => {
    queue = queue.then(async () => {
      running = await reloadConfig(running, { ...targets, watchSources });
    });
  };
  watchSources(initial.sources);
  return { reload, close: () => watcher?.close() };
}

interface StopSignal {
  received: Promise<void>;
  readonly fired: boolean;
  onReload(reload: () => void): void;
  dispose(): void;
}

/** SIGINT/SIGTERM stop the gateway; SIGHUP validates the config again and reloads the policy set (config-reload.ts). */
function shutdownSignal(log: Logger): StopSignal {
  let fire!: () => void;
  let fired = false;
  let reload: () => void = () => log.warn('SIGHUP before the policy was loaded: ignored');
  const received = new Promise<void>((resolve) => (fire = resolve));
  const onStop = (signal: NodeJS.Signals) => {
    fired = true;
    log.info({ signal }, 'shutting down');
    fire();
  };
  const onHup = () => reload();
  process.on('SIGINT', onStop).on('SIGTERM', onStop).on('SIGHUP', onHup);
  return {
    received,
    get fired() {
      return fired;
    },
    onReload: (fn) => void (reload = fn),
    dispose: () => void process.off('SIGINT', onStop).off('SIGTERM', onStop).off('SIGHUP', onHup),
  };
}

/** Waits until in-flight calls are done, at most `graceMs`. */
async function drain(inFlight: InFlight, graceMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (inFlight.size > 0) log.warn({ abandoned: inFlight.size }, 'shutdown grace elapsed with calls in flight');
}
