import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../../../testkit/support/gateway-process.ts';
import { openAuditStore, openDecisionSource, type RecordedDecision } from '../../../src/audit/index.ts';
import { createPolicyEngine, policyConfigSchema } from '../../../src/policy/index.ts';
import { auditConfig, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { startTestGateway } from '../../../testkit/support/gateway.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';

/**
 * `warden policy explain --decision` and `warden policy replay` on an audit trail written by the
 * live gateway (real Rego engine, real SQLite store), run as processes.
 */

const warden = (args: string[]) => runWarden(args);

const LIVE = `package mcp.authz

default allow := false

allow if {
  input.tool.server == "db"
  not denied
}

denied if input.tool.upstream_name == "whoami"

denied if input.arguments.message == "no"

reasons contains "db refuses this call" if denied
`;

// The candidate: whoami is fine now, and bob may no longer echo.
const CANDIDATE = `package mcp.authz

default allow := false

allow if {
  input.tool.server == "db"
  not denied
}

denied if input.arguments.message == "no"

denied if {
  input.principal.sub == "bob"
  input.tool.upstream_name == "echo"
}

reasons contains "db refuses this call" if denied
`;

const { dir, cleanup } = tempDir('policy-audit');
const live = join(dir, 'live');
const candidate = join(dir, 'candidate');
const db = join(dir, 'audit.db');
let decisions: RecordedDecision[] = [];

beforeAll(async () => {
  mkdirSync(live);
  mkdirSync(candidate);
  writeFileSync(join(live, 'authz.rego'), LIVE);
  writeFileSync(join(candidate, 'authz.rego'), CANDIDATE);
  const store = openAuditStore(auditConfig(db), { logger: silentLogger });
  const policy = await createPolicyEngine(policyConfigSchema.parse({ paths: [live], watch: false }), { logger: silentLogger });
  const gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') } }, policy, audit: store });
  try {
    const alice = await gw.connect({ token: 'token-alice' });
    const bob = await gw.connect({ token: 'token-bob' });
    await alice.callTool({ name: 'db__echo', arguments: { message: 'hi' } });
    await alice.callTool({ name: 'db__echo', arguments: { message: 'no' } }).catch(() => undefined);
    await alice.callTool({ name: 'db__whoami', arguments: {} }).catch(() => undefined);
    await bob.callTool({ name: 'db__echo', arguments: { message: 'Bearer abcdefghijklmnop' } });
    await bob.callTool({ name: 'db__echo', arguments: { message: 'hello' } });
  } finally {
    await gw.close();
    await policy.close();
    await store.close();
  }
  const reader = await openDecisionSource(db);
  for await (const recorded of reader.since(undefined)) decisions.push(recorded);
  await reader.close();
}, 60_000);

afterAll(cleanup);

describe('policy inputs in the audit trail', () => {
  it('every decision row of the gateway keeps the input it was decided on, arguments redacted', () => {
    const calls = decisions.filter((d) => d.method === 'tools/call');
    expect(calls.map((d) => [d.sub, d.tool, d.decision])).toEqual([
      ['alice', 'db__echo', 'allow'],
      ['alice', 'db__echo', 'deny'],
      ['alice', 'db__whoami', 'deny'],
      ['bob', 'db__echo', 'allow'],
      ['bob', 'db__echo', 'allow'],
    ]);
    expect(calls[1]!.input).toMatchObject({ method: 'tools/call', principal: { sub: 'alice' }, tool: { name: 'db__echo', server: 'db', upstream_name: 'echo' }, arguments: { message: 'no' } });
    expect(calls[3]!.redacted).toBe(true);
    expect(JSON.stringify(calls[3]!.input)).not.toContain('abcdefghijklmnop');
  });
});

describe('warden policy explain (process)', () => {
  it('explains a recorded decision by its id: the rule that was not true and the expression that stopped it', async () => {
    const denied = decisions.find((d) => d.tool === 'db__echo' && d.decision === 'deny')!;
    const run = await warden(['policy', 'explain', '-d', live, '--decision', denied.decisionId, '--audit', db]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`recorded: deny at ${denied.time} (decision ${denied.decisionId}`);
    expect(run.stdout).toContain('decision: deny (POLICY_DENIED)\nreasons:\n  - db refuses this call\n');
    expect(run.stdout).toMatch(/authz\.rego:5: allow: not true\n +stopped at \S*authz\.rego:7: not denied\n/);
    expect(run.stdout).toMatch(/authz\.rego:10: denied: not true\n +stopped at \S*authz\.rego:10: input\.tool\.upstream_name == "whoami"\n/);
    expect(run.stdout).toMatch(/authz\.rego:12: denied: true\n/);
  });

  it('an unknown decision id is a usage error naming it', async () => {
    const run = await warden(['policy', 'explain', '-d', live, '--decision', 'nope', '--audit', db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--decision nope: no such decision in ${db}`);
  });
});

describe('warden policy replay (process)', () => {
  it('lists the decisions that flip, grouped by tool and principal, and exits 1 (0 with --allow-flips)', async () => {
    const [run, allowed, json] = await Promise.all([
      warden(['policy', 'replay', '--audit', db, '--policy', candidate]),
      warden(['policy', 'replay', '--audit', db, '--policy', candidate, '--allow-flips']),
      warden(['policy', 'replay', '--audit', db, '--policy', candidate, '--json']),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^replayed \d+ decisions: 3 flips \(2 allow->deny, 1 deny->allow\)\n1 replayed decision had redacted inputs/);
    expect(run.stdout).toMatch(/allow->deny +db__echo +bob +2 /);
    expect(run.stdout).toMatch(/deny->allow +db__whoami +alice +1 /);
    expect(allowed.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.flips.map((f: { tool: string; principal: string; from: string; to: string }) => `${f.principal} ${f.tool} ${f.from}->${f.to}`).sort()).toEqual([
      'alice db__whoami deny->allow',
      'bob db__echo allow->deny',
      'bob db__echo allow->deny',
    ]);
  });

  it('the live policy itself flips nothing (exit 0); --since in the future replays nothing', async () => {
    const [same, future] = await Promise.all([
      warden(['policy', 'replay', '--audit', db, '--policy', live]),
      warden(['policy', 'replay', '--audit', db, '--policy', candidate, '--since', '2999-01-01']),
    ]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^replayed \d+ decisions: 0 flips/);
    expect(future).toMatchObject({ code: 0, stdout: 'replayed 0 decisions: 0 flips (0 allow->deny, 0 deny->allow)\n' });
  });
});

describe('warden policy replay|explain --audit postgres://... (process)', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
    // The same trail, copied into PostgreSQL as one replica's chain.
    const copy = await warden(['audit', 'migrate', '--db', db, '--to', server.url, '--replica', 'r1']);
    expect(copy.stderr).toBe('');
    expect(copy.code).toBe(0);
  }, 60_000);
  afterAll(async () => server?.close());

  it('replays what it replays from SQLite: the same flips, the same exit code', async () => {
    const [fromSqlite, fromPostgres] = await Promise.all([
      warden(['policy', 'replay', '--audit', db, '--policy', candidate, '--json']),
      warden(['policy', 'replay', '--audit', server.url, '--policy', candidate, '--json']),
    ]);
    expect(fromPostgres.stderr).toBe('');
    expect(fromPostgres.code).toBe(1);
    expect(JSON.parse(fromPostgres.stdout)).toEqual(JSON.parse(fromSqlite.stdout));
  });

  it('explains a decision recorded in PostgreSQL', async () => {
    const denied = decisions.find((d) => d.tool === 'db__echo' && d.decision === 'deny')!;
    const run = await warden(['policy', 'explain', '-d', live, '--decision', denied.decisionId, '--audit', server.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`recorded: deny at ${denied.time} (decision ${denied.decisionId}`);
  });

  it('--since reads from then on; an unreachable server is exit 3 naming it (no password), no stack', async () => {
    const [since, down] = await Promise.all([
      warden(['policy', 'replay', '--audit', server.url, '--policy', candidate, '--since', '2999-01-01']),
      warden(['policy', 'replay', '--audit', 'postgres://warden:secret@127.0.0.1:1/warden', '--policy', candidate]),
    ]);
    expect(since).toMatchObject({ code: 0, stdout: 'replayed 0 decisions: 0 flips (0 allow->deny, 0 deny->allow)\n' });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('127.0.0.1:1');
    expect(down.stderr).not.toContain('secret');
    expect(down.stderr).not.toMatch(/\n\s+at /);
  });
});
