import { spawn } from 'node:child_process';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventRow, chainKey } from '../../../src/audit/chain.ts';
import { type AuditConfig, auditConfigSchema } from '../../../src/audit/config.ts';
import { createEventEncoder } from '../../../src/audit/events.ts';
import { appendRows } from '../../../src/audit/postgres/appender.ts';
import { closeIncomplete } from '../../../src/audit/postgres/incomplete.ts';
import { openPostgresAuditStore } from '../../../src/audit/postgres/store.ts';
import { queryPinSql } from '../../../src/audit/postgres/pins.ts';
import { verifyPostgres } from '../../../src/audit/postgres/verify.ts';
import { toEventRow } from '../../../src/audit/postgres/rows.ts';
import { createRedactor } from '../../../src/audit/redact.ts';
import { readiness } from '../../../src/downstream/readiness.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';
import { upstreamCalls, withGateway } from '../../../testkit/support/gateway.ts';
import { decision, outcomeOf, tick } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { auditStoreContract } from './store-contract.ts';

// One PostgreSQL for the whole file (~2 s to start); every test uses replica ids of its own.
let server: TestPostgres;
let sql: pg.Client;
beforeAll(async () => {
  server = await startPostgres();
  sql = await connectSql();
}, 60_000);

/** The test's own connection; it breaks when the fail-closed test stops the server. */
async function connectSql(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
afterAll(async () => {
  await sql?.end().catch(() => undefined);
  await server?.close();
});

const configFor = (replica: string, overrides: Partial<AuditConfig> = {}, url = server.url): AuditConfig => ({
  ...auditConfigSchema.parse({ backend: 'postgres', url, replica_id: replica }),
  ...overrides,
});

const open = (replica: string, overrides: Partial<AuditConfig> = {}, options: { now?: () => Date; version?: string } = {}) =>
  openPostgresAuditStore(configFor(replica, overrides), { logger: silentLogger, ...options });

async function events(replica: string, kinds?: readonly string[]): Promise<EventRow[]> {
  const rows = kinds
    ? await sql.query('SELECT * FROM events WHERE replica_id = $1 AND kind = ANY($2) ORDER BY seq', [replica, kinds])
    : await sql.query('SELECT * FROM events WHERE replica_id = $1 ORDER BY seq', [replica]);
  return rows.rows.map(toEventRow);
}

async function chainOf(replica: string, key?: ReturnType<typeof chainKey>) {
  return (await verifyPostgres(sql, key ? { key } : {})).chains.find((chain) => chain.replica === replica);
}

auditStoreContract({
  name: 'postgres',
  open,
  events,
  verifies: async (replica) => (await chainOf(replica))?.ok === true,
  reader: async () => ({ ...queryPinSql(sql), close: async () => undefined }),
});

describe('audit store - postgres', () => {
  it('refuses a second live process with the same replica_id, and continues the chain after the first closed', async () => {
    const first = await open('twin');
    await first.recordDecision(decision());
    await expect(open('twin')).rejects.toMatchObject({
      code: 'AUDIT_REPLICA_IN_USE',
      message: expect.stringMatching(/^audit.replica_id "twin" is in use by a session from 127\.0\.0\.1 \(mcp-warden audit twin\) since .*: give every gateway process its own audit.replica_id/),
    });
    await first.close();
    const second = await open('twin');
    await second.recordDecision(decision());
    await second.close();
    expect((await events('twin', ['startup', 'decision', 'shutdown'])).map((row) => row.kind)).toEqual(['startup', 'decision', 'shutdown', 'startup', 'decision', 'shutdown']);
    expect(await chainOf('twin')).toMatchObject({ ok: true });
  });

  it('appends only from the head it holds, and says how many rows it stored (counted in the table)', async () => {
    await (await open('cas')).close();
    const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
    const head = (await sql.query('SELECT seq, hash FROM chain_head WHERE replica_id = $1', ['cas'])).rows[0] as { seq: string; hash: string };
    const state = { replica: 'cas', head: { seq: Number(head.seq), hash: head.hash }, keying: undefined, key: undefined };
    const rows = Array.from({ length: 37 }, () => encoder.decision(decision()));
    const moved = await appendRows(sql, state, rows, tick().toISOString());
    expect(moved.seq).toBe(Number(head.seq) + 37);
    expect((await sql.query("SELECT count(*)::int AS n FROM events WHERE replica_id = 'cas' AND kind = 'decision'")).rows[0]).toEqual({ n: 37 });
    // The same head again is stale now: nothing is stored.
    await expect(appendRows(sql, state, rows.slice(0, 3), tick().toISOString())).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
    expect((await sql.query("SELECT count(*)::int AS n FROM events WHERE replica_id = 'cas' AND kind = 'decision'")).rows[0]).toEqual({ n: 37 });
    expect(await chainOf('cas')).toMatchObject({ ok: true });
  });

  it('stores every text exactly as it was hashed, whatever it holds (quotes, backslashes, braces, "NULL", empty, lone surrogates)', async () => {
    await (await open('bytes')).close();
    const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
    const head = (await sql.query('SELECT seq, hash FROM chain_head WHERE replica_id = $1', ['bytes'])).rows[0] as { seq: string; hash: string };
    const state = { replica: 'bytes', head: { seq: Number(head.seq), hash: head.hash }, keying: undefined, key: undefined };
    const awkward = ['say "hi"', 'back\\slash\\', 'NULL', '{a,b}', ' ', '', 'é ✓ 😀 \u2028', 'tab\tnew\nline', '"', '\\', 'lone \ud800 high', 'lone \udc00 low'];
    const rows = awkward.map((text, i) => encoder.decision(decision({ requestId: text, publicName: i % 2 === 0 ? text : undefined, arguments: { text } })));
    await appendRows(sql, state, rows, tick().toISOString());
    const stored = await events('bytes', ['decision']);
    expect(stored.map((row) => [row.request_id, row.public_name, row.data])).toEqual(rows.map((row) => [row.request_id, row.public_name, row.data]));
    expect(stored.map((row) => row.seq)).toEqual(rows.map((_, i) => state.head.seq + i + 1));
    expect(await chainOf('bytes')).toMatchObject({ ok: true });
  });

  it('refuses a row with a NUL character alone; the other calls of its batch are stored', async () => {
    const store = await open('nul');
    try {
      const good = decision();
      const results = await Promise.allSettled([store.recordDecision(decision({ publicName: 'db__\u0000x' })), store.recordDecision(good)]);
      expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'AUDIT_UNAVAILABLE', message: expect.stringContaining('NUL') } });
      expect(results[1]).toMatchObject({ status: 'fulfilled' });
      expect(store.health().ok).toBe(true);
      expect((await events('nul', ['decision'])).map((row) => row.decision_id)).toEqual([good.decisionId]);
    } finally {
      await store.close();
    }
  });

  it('witness rows: a replica deleted whole, or cut short with its head moved back, fails verify', async () => {
    const a = await open('wit-a', { witness_interval_ms: 100 });
    const b = await open('wit-b', { witness_interval_ms: 100 });
    try {
      for (let i = 0; i < 5; i += 1) await Promise.all([a.recordDecision(decision()), b.recordDecision(decision())]);
      await expect.poll(async () => (await events('wit-a', ['witness'])).some((row) => JSON.parse(row.data).heads['wit-b']?.seq >= 6), { timeout: 5000 }).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
    expect((await verifyPostgres(sql)).chains.filter((chain) => chain.replica.startsWith('wit-'))).toMatchObject([{ ok: true }, { ok: true }]);

    {
      // Tampering is committed: verify reads in a snapshot of its own. Cut b back to its startup row and move its head with it: b alone still verifies...
      const first = (await sql.query("SELECT seq, hash FROM events WHERE replica_id = 'wit-b' AND seq = 1")).rows[0] as { seq: string; hash: string };
      await sql.query("DELETE FROM events WHERE replica_id = 'wit-b' AND seq > 1");
      await sql.query("UPDATE chain_head SET seq = 1, hash = $1 WHERE replica_id = 'wit-b'", [first.hash]);
      const cut = await verifyPostgres(sql);
      expect(cut.chains.find((chain) => chain.replica === 'wit-b')).toMatchObject({ ok: false, problem: { kind: 'truncated', seq: 2 } });
      // ...and deleted whole, head included, it is missing.
      for (const table of ['events', 'chain_head']) await sql.query(`DELETE FROM ${table} WHERE replica_id = 'wit-b'`);
      const gone = await verifyPostgres(sql);
      expect(gone.ok).toBe(false);
      expect(gone.chains.find((chain) => chain.replica === 'wit-b')).toMatchObject({
        ok: false, rows: 0, problem: { kind: 'missing', message: expect.stringMatching(/^the chain of replica wit-b is gone from the database \(head included\), but replica wit-a witnessed it at seq \d+$/) },
      });
    }
  });

  it('closes the open calls of a replica that died as incomplete, in its own chain, and only once it is gone', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/postgres-writer.ts'), server.url, 'dead'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('open') && resolve());
        child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      await expect(closeIncomplete(sql, 'dead', encoder, tick)).rejects.toMatchObject({ code: 'AUDIT_REPLICA_IN_USE' });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    }
    // The killed process's session ends when the server notices the closed socket.
    await expect.poll(async () => (await closeIncomplete(sql, 'dead', encoder, tick).catch(() => undefined))?.closed, { timeout: 10_000 }).toBe(2);
    const outcomes = await events('dead', ['outcome']);
    expect(outcomes.map((row) => row.outcome)).toEqual(['ok', 'incomplete', 'incomplete']);
    expect(await closeIncomplete(sql, 'dead', encoder, tick)).toMatchObject({ replica: 'dead', closed: 0 });
    expect(await chainOf('dead')).toMatchObject({ ok: true });
  });

  it('a live replica closes the open calls of a replica that died, by itself, once its lock stayed free for two sweeps', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/postgres-writer.ts'), server.url, 'gone'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('open') && resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    const survivor = await open('survivor', { witness_interval_ms: 200 });
    try {
      // Alive (it holds its lock): nothing is closed however many sweeps pass.
      await new Promise((r) => setTimeout(r, 800));
      expect((await events('gone', ['outcome'])).map((row) => row.outcome)).toEqual(['ok']);
      child.kill('SIGKILL');
      await expect.poll(async () => (await events('gone', ['outcome'])).map((row) => row.outcome), { timeout: 15_000, interval: 100 }).toEqual(['ok', 'incomplete', 'incomplete']);
      expect(await chainOf('gone')).toMatchObject({ ok: true });
      // Once, not on every sweep.
      await new Promise((r) => setTimeout(r, 600));
      expect(await events('gone', ['outcome'])).toHaveLength(3);
    } finally {
      child.kill('SIGKILL');
      await survivor.close();
    }
  });

  it('keys a replica\'s chain with audit.chain_key like SQLite: verify needs the key, a writer without it is refused', async () => {
    const secret = 'k'.repeat(40);
    const store = await open('keyed', { chain_key: secret });
    await store.recordDecision(decision());
    await store.close();
    expect(await chainOf('keyed', chainKey(secret))).toMatchObject({ ok: true });
    expect(await chainOf('keyed')).toMatchObject({ ok: false, problem: { kind: 'key' } });
    await expect(open('keyed')).rejects.toMatchObject({ code: 'AUDIT_CHAIN_KEY' });
    // An edit (committed: verify reads in a snapshot of its own) is found.
    await sql.query("UPDATE events SET sub = 'mallory' WHERE replica_id = 'keyed' AND kind = 'decision'");
    expect(await chainOf('keyed', chainKey(secret))).toMatchObject({ ok: false, problem: { kind: 'edited' } });
  });

  it('refuses to start on a database of a newer schema, and on a wrong audit.url, saying what to do (never the password)', async () => {
    const url = await server.createDatabase('newer');
    await (await openPostgresAuditStore(configFor('n', {}, url), { logger: silentLogger })).close();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query("INSERT INTO schema_migrations VALUES (99, 'future', 'x', '')");
    await other.end();
    await expect(openPostgresAuditStore(configFor('n', {}, url), { logger: silentLogger })).rejects.toMatchObject({
      code: 'AUDIT_SCHEMA_TOO_NEW',
      message: expect.stringMatching(/is at schema version 99 \(future\), newer than this mcp-warden knows \(\d+\); upgrade mcp-warden or point audit.url elsewhere$/),
    });
    await expect(openPostgresAuditStore(configFor('n', { connect_timeout_ms: 2000 }, 'postgres://warden:s3cret@127.0.0.1:1/warden'), { logger: silentLogger })).rejects.toMatchObject({
      code: 'AUDIT_UNAVAILABLE',
      message: expect.stringMatching(/^cannot connect to the audit database postgres:\/\/warden:\*\*\*@127\.0\.0\.1:1\/warden: .*; check audit.url and that PostgreSQL is running$/),
    });
  });

  // Last: it stops the server.
  it('writes a retried outcome once when the first commit landed but its answer was lost', async () => {
    // A real TCP hop between the store and PostgreSQL. Armed, it lets the next append statement
    // through, waits for PostgreSQL's answer (so the commit is done) and drops the connection
    // instead of delivering it: the store sees an error for a row that is stored.
    let armed = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((inbound) => {
      const outbound = new (inbound.constructor as typeof Socket)();
      outbound.connect(Number(new URL(server.url).port), '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
      }
      let swallow = false;
      inbound.on('data', (chunk: Buffer) => {
        if (armed && chunk.includes('warden-audit-append')) {
          armed = false;
          swallow = true;
        }
        outbound.write(chunk);
      });
      outbound.on('data', (chunk: Buffer) => {
        if (!swallow) return void inbound.write(chunk);
        inbound.destroy();
        outbound.destroy();
      });
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = new URL(server.url);
    url.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const store = await openPostgresAuditStore(configFor('lost-answer', { connect_timeout_ms: 1000 }, url.toString()), { logger: silentLogger, now: tick });
    try {
      const event = decision();
      await store.recordDecision(event);
      armed = true;
      await store.recordOutcome(outcomeOf(event));
      expect(armed).toBe(false);
      await store.recordDecision(decision());
    } finally {
      await store.close();
      proxy.close();
      for (const socket of sockets) socket.destroy();
    }
    const outcomes = await events('lost-answer', ['outcome']);
    expect(outcomes).toHaveLength(1);
    expect(await events('lost-answer', ['decision'])).toHaveLength(2);
    expect(await chainOf('lost-answer')).toMatchObject({ ok: true });
  });

  it('fails closed while PostgreSQL is down (refused, nothing forwarded, not ready) and recovers when it is back', async () => {
    const store = await open('down', { connect_timeout_ms: 1000 });
    try {
      await withGateway(store, async (gw, client) => {
        const before = await upstreamCalls(client);
        await server.stop();
        await expect(client.callTool({ name: 'db__echo', arguments: { message: 'must not arrive' } })).rejects.toMatchObject({ data: { code: 'AUDIT_UNAVAILABLE' } });
        expect(store.health().ok).toBe(false);
        expect(readiness(gw.gateway, { audit: () => store.health(), policyRevision: () => "test" }, false)).toMatchObject({ ready: false, audit: 'unavailable' });
        await server.start();
        await expect.poll(() => store.health().ok, { timeout: 15_000, interval: 100 }).toBe(true);
        expect(readiness(gw.gateway, { audit: () => store.health(), policyRevision: () => "test" }, false)).toMatchObject({ ready: true, audit: 'ok' });
        expect(await upstreamCalls(client)).toBe(before);
        await client.callTool({ name: 'db__echo', arguments: { message: 'after' } });
      });
    } finally {
      await store.close();
    }
    await sql.end().catch(() => undefined);
    sql = await connectSql();
    const rows = await events('down', ['decision']);
    expect(rows.filter((row) => row.public_name === 'db__echo').map((row) => JSON.parse(row.data).arguments.message)).toEqual(['after']);
    expect(await chainOf('down')).toMatchObject({ ok: true });
  });
});
