/**
 * `PipelineDeps` made of the real parts, the way the gateway wires them (gateway/gateway.ts),
 * but without the downstream edge: the real JWT authenticator over a JWKS file with really signed
 * tokens, the real Rego engine, the real SQLite audit store, and the relay fixture `db` served
 * in process over Streamable HTTP, whose every POST body is recorded (what the upstream received).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAuditStore, type AuditStore } from '../../../src/audit/index.ts';
import { createAuthenticator } from '../../../src/auth/index.ts';
import { Catalog } from '../../../src/catalog/catalog.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { upstreamLimits } from '../../../src/limits/config.ts';
import { NO_LIMIT_EVENTS } from '../../../src/limits/events.ts';
import { Limits } from '../../../src/limits/limits.ts';
import type { PipelineDeps } from '../../../src/pipeline/deps.ts';
import { InFlight } from '../../../src/pipeline/in-flight.ts';
import { PendingInputs } from '../../../src/pipeline/pending-input.ts';
import { createPolicyEngine, type PolicyInput } from '../../../src/policy/index.ts';
import { UpstreamSet } from '../../../src/upstreams/upstream-set.ts';
import { startHttpFixture } from '../../../testkit/fixtures/relay-server-http.ts';
import { auditConfig, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { authConfig, claimsAt, newSigningKey, sign, testClock, type TestClock } from '../../../testkit/support/tokens.ts';
import { sealerFor } from '../../../src/seal.ts';

/** alice may list and call `db__echo` unless the message is "forbidden"; bob may see nothing. */
const POLICY = `package mcp.authz

default allow := false

allow if {
	input.principal.sub == "alice"
	input.method == "tools/list"
	input.tool.name == "db__echo"
}

allow if {
	input.principal.sub == "alice"
	input.method == "tools/call"
	input.tool.name == "db__echo"
	input.arguments.message != "forbidden"
}

reasons contains "no forbidden messages" if input.arguments.message == "forbidden"
`;

export interface RealDeps {
  deps: PipelineDeps;
  clock: TestClock;
  /** The SQLite file of the audit store. */
  auditPath: string;
  store: AuditStore;
  /** Every input the policy engine was asked about, in order. */
  inputs: PolicyInput[];
  /** Every JSON-RPC message the fixture upstream received over HTTP, in order. */
  received: Array<{ method?: string; params?: Record<string, unknown> }>;
  /** A really signed token for `sub`, valid at the test clock. */
  token(sub: string): Promise<string>;
  close(): Promise<void>;
}

export async function realDeps(prefix: string): Promise<RealDeps> {
  const { dir, cleanup } = tempDir(prefix);
  const received: RealDeps['received'] = [];
  const upstream = await startHttpFixture('http', 'db', 0, { record: (_headers, body) => void received.push(...(Array.isArray(body) ? body : [body])) });
  const key = await newSigningKey('pipeline-key');
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [key.jwk] }));
  writeFileSync(join(dir, 'authz.rego'), POLICY);
  writeFileSync(join(dir, 'warden.config.json'), JSON.stringify({ mcpServers: { db: { type: 'http', url: upstream.url } }, policy: { paths: ['authz.rego'], watch: false } }));
  const config = loadConfig(join(dir, 'warden.config.json'), {});
  const clock = testClock();
  const authenticator = await createAuthenticator(authConfig({ jwks_file: 'jwks.json' }), { baseDir: dir, logger: silentLogger, now: clock.now });
  const engine = await createPolicyEngine(config.policy, { baseDir: dir, logger: silentLogger });
  const inputs: PolicyInput[] = [];
  const policy = { name: engine.name, revision: engine.revision, evaluate: (input: PolicyInput) => (inputs.push(input), engine.evaluate(input)), close: () => engine.close() };
  const auditPath = join(dir, 'audit.db');
  const store = openAuditStore(auditConfig(auditPath), { logger: silentLogger });
  const catalog = new Catalog(config.upstreams.map((u) => u.name), config.namespacing);
  const upstreams = new UpstreamSet(config, {
    log: silentLogger,
    clientInfo: { name: 'mcp-warden', version: 'test' },
    events: {
      onListing: (name, listing) => void catalog.setListing(name, listing),
      onNotification: () => undefined,
      onServerRequest: () => Promise.reject(new Error('no server requests in these tests')),
    },
  });
  const started = await upstreams.start();
  if (started.down.length > 0) throw new Error(`fixture upstream did not connect: ${started.down.join(', ')}`);
  const deps: PipelineDeps = {
    authenticator,
    policy,
    audit: store,
    catalog,
    upstreams,
    clock,
    log: silentLogger,
    inFlight: new InFlight(),
    limits: new Limits(config.limits, (name) => upstreamLimits(config.limits, name).max_concurrent, NO_LIMIT_EVENTS),
    pageSize: config.namespacing.page_size,
    composites: new Map(),
    requestState: { sealer: sealerFor('request-state', 'real-deps-request-state-key-0123456789'), ttlMs: 60_000, pending: new PendingInputs({ max: 16, ttlMs: 60_000 }) },
    requiredScopes: [],
  };
  return {
    deps,
    clock,
    auditPath,
    store,
    inputs,
    received,
    token: (sub) => sign(key.privateKey, claimsAt({ sub }), { kid: key.kid }),
    async close() {
      await upstreams.close();
      await upstream.close();
      await store.close();
      await policy.close();
      await authenticator.close();
      cleanup();
    },
  };
}

