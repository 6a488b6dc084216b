import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditConfigSchema } from '../../../src/audit/config.ts';
import { openPostgresAuditStore } from '../../../src/audit/postgres/store.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { type AuditCliIo, run } from '../../../src/cli/audit.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';
import { auditConfig, decision, outcomeOf, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { WARDEN } from '../../../testkit/support/gateway-process.ts';

/**
 * `warden audit` on PostgreSQL gives what it gives on SQLite: a SQLite trail is copied into
 * PostgreSQL with `migrate --to` and every read command is compared on the two.
 */
const { dir, cleanup } = tempDir('pg-cli');
const path = join(dir, 'audit.db');
const now = new Date('2026-11-23T12:00:00.000Z');
const at = (minutesAgo: number): string => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres();
  const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: () => new Date(at(600)) });
  const calls = [
    decision({ time: at(300), principal: { sub: 'alice', iss: 'idp' }, publicName: 'db__query', upstream: 'db' }),
    decision({ time: at(120), principal: { sub: 'bob', iss: 'idp' }, publicName: 'db__drop', upstream: 'db', decision: 'deny', code: 'POLICY_DENIED', reasons: ['not an admin'] }),
    decision({ time: at(30), principal: { sub: 'alice', iss: 'idp' }, publicName: 'fs__read', upstream: 'fs' }),
  ];
  for (const call of calls) {
    await store.recordDecision(call);
    if (call.decision === 'allow') await store.recordOutcome(outcomeOf(call, { outcome: call.upstream === 'fs' ? 'tool_error' : 'ok', durationMs: 4 }));
  }
  await store.close('test');
}, 60_000);
afterAll(async () => {
  await server?.close();
  cleanup();
});

async function cli(args: string[], io: Partial<AuditCliIo> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(args, { stdout: { write: (chunk: string) => (out += chunk) }, now: () => now, ...io });
  return { code, out };
}


describe('warden audit on PostgreSQL', () => {
  it('migrate --to copies a SQLite trail as one replica\'s chain, verifiable with the marks taken on SQLite', async () => {
    const sqlite = JSON.parse((await cli(['verify', '--db', path, '--json'])).out) as { lastSeq: number; lastHash: string; rows: number };
    expect(await cli(['migrate', '--db', path, '--to', server.url, '--replica', 'r1'])).toEqual({
      code: 0, out: `copied ${sqlite.rows} rows into ${server.url} as the chain of replica r1; check it with warden audit verify --db URL\n`,
    });
    const verified = await cli(['verify', '--db', server.url, '--json', '--expect', `r1:${sqlite.lastSeq}:${sqlite.lastHash}`]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out)).toMatchObject({ ok: true, chains: [{ replica: 'r1', ok: true, rows: sqlite.rows, lastSeq: sqlite.lastSeq, lastHash: sqlite.lastHash }] });
    expect((await cli(['verify', '--db', server.url])).out).toBe(`replica r1: chain intact: ${sqlite.rows} rows, seq 1..${sqlite.lastSeq}\n`);
    // A second copy under the same replica id is refused.
    expect((await cli(['migrate', '--db', path, '--to', server.url, '--replica', 'r1'])).code).toBe(2);
  });

  it('query, stats, export and tail print what they print on SQLite (seq shown as REPLICA:SEQ)', async () => {
    const both = async (...args: string[]) => [(await cli([...args, '--db', path])).out, (await cli([...args, '--db', server.url])).out];
    const [sqliteTable, pgTable] = await both('query');
    const cells = (table: string) => table.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
    expect(cells(pgTable!)).toEqual(cells(sqliteTable!).map((row, i) => (i === 0 ? row : [`r1:${row[0]}`, ...row.slice(1)])));
    const strip = (records: { replica?: string }[]) => records.map(({ replica, ...rest }) => (expect(replica).toBe('r1'), rest));
    for (const flags of [[], ['--sub', 'alice'], ['--tool', 'db__*'], ['--tool', 'db__[dq]*'], ['--decision', 'deny'], ['--since', '3h'], ['--until', at(60), '--server', 'db'], ['--limit', '1']]) {
      const [a, b] = await both('query', '--json', ...flags);
      expect(strip(JSON.parse(b!)), flags.join(' ')).toEqual(JSON.parse(a!));
    }
    for (const by of ['sub', 'tool', 'decision', 'server']) {
      const [a, b] = await both('stats', '--by', by);
      expect(b, by).toBe(a);
    }
    const [exportA, exportB] = await both('export');
    expect(exportB!.trimEnd().split('\n').map((line) => {
      const { replica_id: replica, ...rest } = JSON.parse(line) as { replica_id: string };
      expect(replica).toBe('r1');
      return rest;
    })).toEqual(exportA!.trimEnd().split('\n').map((line) => JSON.parse(line)));
    const [tailA, tailB] = await both('tail', '-n', '3');
    expect(tailB).toBe(tailA!.replace(/^/gm, 'r1:').replace(/r1:$/, ''));
  });

  it('follows every replica with tail -f', async () => {
    const store = await openPostgresAuditStore(auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: 'live' }), { logger: silentLogger });
    const stop = new AbortController();
    let out = '';
    try {
      const following = run(['tail', '--db', server.url, '-n', '1', '-f', '--interval', '20ms', '--json'], { stdout: { write: (c: string) => (out += c) }, now: () => now, signal: stop.signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await store.recordDecision(decision({ decisionId: 'followed-pg' }));
      await expect.poll(() => out.includes('followed-pg'), { timeout: 5000 }).toBe(true);
      stop.abort();
      expect(await following).toBe(0);
    } finally {
      await store.close();
    }
    const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line) as { replica_id: string; kind: string });
    expect(lines.filter((line) => line.kind === 'decision')).toMatchObject([{ replica_id: 'live' }]);
  });

  it('verify names the replica and the row of a tampered chain (exit 1); a mark without replica is a usage error', async () => {
    const sql = new pg.Client({ connectionString: server.url });
    await sql.connect();
    try {
      await sql.query("UPDATE events SET decision = 'allow' WHERE replica_id = 'r1' AND seq = 4");
      const { code, out } = await cli(['verify', '--db', server.url]);
      expect(code).toBe(1);
      expect(out).toContain('replica r1: chain broken at seq 4: edited: row 4 (decision) does not match its hash: its content was changed\n');
      await sql.query("UPDATE events SET decision = 'deny' WHERE replica_id = 'r1' AND seq = 4");
    } finally {
      await sql.end();
    }
    expect((await cli(['verify', '--db', server.url, '--expect', `4:${'0'.repeat(64)}`])).code).toBe(2);
  });

  it('prune removes each chain\'s old prefix and the chains still verify', async () => {
    const { code, out } = await cli(['prune', '--db', server.url, '--older-than', '4h']);
    expect(code).toBe(0);
    expect(out).toMatch(/^replica live: nothing to prune\nreplica r1: removed 3 rows through seq 3; verify starts from that anchor\n$/);
    const verified = JSON.parse((await cli(['verify', '--db', server.url, '--json'])).out) as { ok: boolean; chains: { replica: string; anchor: unknown }[] };
    expect(verified).toMatchObject({ ok: true });
    expect(verified.chains.find((chain) => chain.replica === 'r1')).toMatchObject({ anchor: { seq: 3, removed: 3 } });
  });

  it('close-incomplete refuses a replica that is running, closes a dead one\'s open calls, and is for PostgreSQL only', async () => {
    const store = await openPostgresAuditStore(auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: 'gone' }), { logger: silentLogger });
    await store.recordDecision(decision());
    const running = spawnSync(process.execPath, [WARDEN, 'audit', 'close-incomplete', '--db', server.url, '--replica', 'gone'], { encoding: 'utf8', timeout: 20_000 });
    expect(running.status).toBe(3);
    expect(running.stderr).toBe('warden: AUDIT_REPLICA_IN_USE: replica "gone" is running (it holds its lock): it closes its own calls; nothing was changed\n');
    await store.close();
    expect(await cli(['close-incomplete', '--db', server.url, '--replica', 'gone'])).toEqual({ code: 0, out: 'closed 1 open calls of replica gone as incomplete\n' });
    expect((await cli(['close-incomplete', '--db', path, '--replica', 'gone'])).code).toBe(2);
  });
});

describe('warden serve with the postgres backend refuses to start (exit 3, a message, no stack)', () => {
  const serve = (audit: Record<string, unknown>, serverSection: Record<string, unknown> = { session_key: 'k'.repeat(32) }) => {
    const config = join(dir, `serve-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(config, JSON.stringify({ mcpServers: {}, server: serverSection, auth: { mode: 'disabled' }, policy: { paths: [join(import.meta.dirname, '../../../policies')] }, audit }));
    return spawnSync(process.execPath, [WARDEN, 'serve', '--config', config, '--http', '--port', '0'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PG_TEST_URL: server.url } });
  };

  // One process start per test: each loads the policies and connects (seconds on a busy machine).
  it('on a wrong audit.url', () => {
    const wrong = serve({ backend: 'postgres', url: 'postgres://warden:pw@127.0.0.1:1/warden', replica_id: 'x', connect_timeout_ms: 2000 });
    expect(wrong.status).toBe(3);
    expect(wrong.stderr).toMatch(/warden: AUDIT_UNAVAILABLE: cannot connect to the audit database postgres:\/\/warden:\*\*\*@127\.0\.0\.1:1\/warden: .*; check audit.url and that PostgreSQL is running\n/);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });

  it('on a replica_id in use by a live process', async () => {
    const holder = await openPostgresAuditStore(auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: 'taken' }), { logger: silentLogger });
    try {
      const taken = serve({ backend: 'postgres', url: '${PG_TEST_URL}', replica_id: 'taken' });
      expect(taken.status).toBe(3);
      expect(taken.stderr).toMatch(/warden: AUDIT_REPLICA_IN_USE: audit.replica_id "taken" is in use by a session from 127\.0\.0\.1 .*give every gateway process its own audit.replica_id/);
    } finally {
      await holder.close();
    }
  });

  it('on a missing replica_id', () => {
    const missing = serve({ backend: 'postgres', url: '${PG_TEST_URL}' });
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain('audit.replica_id: is required with "backend": "postgres"');
  });

  it('on a missing server.session_key (several replicas must share it)', () => {
    const missing = serve({ backend: 'postgres', url: '${PG_TEST_URL}', replica_id: 'keyless' }, {});
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/^warden: CONFIG_INVALID: .*: server\.session_key: is required with "audit\.backend": "postgres" \(several replicas\): set the same secret of 32\+ characters on every replica/m);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
