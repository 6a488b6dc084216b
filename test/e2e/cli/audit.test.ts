import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type EventRow, rowHash } from '../../../src/audit/chain.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { type AuditCliIo, run } from '../../../src/cli/audit.ts';
import { auditConfig, decision, outcomeOf, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { WARDEN } from '../../../testkit/support/gateway-process.ts';

const { dir, cleanup } = tempDir('cli');
const path = join(dir, 'audit.db');
const now = new Date('2026-11-23T12:00:00.000Z');
const at = (minutesAgo: number): string => new Date(now.getTime() - minutesAgo * 60_000).toISOString();

beforeAll(async () => {
  const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: () => new Date(at(600)) });
  const calls = [
    decision({ time: at(300), principal: { sub: 'alice', iss: 'idp' }, publicName: 'db__query', upstream: 'db' }),
    decision({ time: at(120), principal: { sub: 'bob', iss: 'idp' }, publicName: 'db__drop', upstream: 'db', decision: 'deny', code: 'POLICY_DENIED', reasons: ['not an admin', 'says "no", twice'] }),
    decision({ time: at(30), principal: { sub: 'alice', iss: 'idp' }, publicName: 'fs__read', upstream: 'fs' }),
  ];
  for (const call of calls) {
    await store.recordDecision(call);
    if (call.decision === 'allow') await store.recordOutcome(outcomeOf(call, { outcome: call.upstream === 'fs' ? 'tool_error' : 'ok', durationMs: 4 }));
  }
  await store.close('test');
});
afterAll(cleanup);

/** A copy of the log whose row 4 (bob's denied call) was flipped to allow. */
function tamperedCopy(name: string, sql = "UPDATE events SET decision = 'allow' WHERE seq = 4"): string {
  const copy = join(dir, name);
  copyFileSync(path, copy);
  const db = new Database(copy);
  db.prepare(sql).run();
  db.close();
  return copy;
}

/** Runs the command in-process with its output collected. */
async function cli(args: string[], io: Partial<AuditCliIo> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(args, { stdout: { write: (chunk: string) => (out += chunk) }, now: () => now, ...io });
  return { code, out };
}

/** Runs `warden audit` as its own process, for stderr and exit codes. */
function cliProcess(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [WARDEN, 'audit', ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe('warden audit query', () => {
  it('prints a readable table, newest first', async () => {
    const { code, out } = await cli(['query', '--db', path]);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ +TIME +SUB +CLIENT +METHOD +TOOL +SERVER +WORKFLOW +DECISION +OUTCOME +MS +REASONS$/);
    expect(lines.slice(1).map((line) => line.split(/ +/).slice(2, 8))).toEqual([
      ['alice', 'tools/call', 'fs__read', 'fs', 'allow', 'tool_error'],
      ['bob', 'tools/call', 'db__drop', 'db', 'deny', 'not'],
      ['alice', 'tools/call', 'db__query', 'db', 'allow', 'ok'],
    ]);
  });

  it('filters by principal, tool glob, decision and time, and emits JSON', async () => {
    const json = async (...flags: string[]) => JSON.parse((await cli(['query', '--db', path, '--json', ...flags])).out) as { tool: string }[];
    expect((await json('--sub', 'alice')).map((r) => r.tool)).toEqual(['fs__read', 'db__query']);
    expect((await json('--tool', 'db__*')).map((r) => r.tool)).toEqual(['db__drop', 'db__query']);
    expect((await json('--decision', 'deny'))).toMatchObject([{ tool: 'db__drop', code: 'POLICY_DENIED', reasons: ['not an admin', 'says "no", twice'] }]);
    expect((await json('--since', '3h')).map((r) => r.tool)).toEqual(['fs__read', 'db__drop']);
    expect((await json('--until', at(60), '--server', 'db')).map((r) => r.tool)).toEqual(['db__drop', 'db__query']);
    expect((await json('--limit', '1')).map((r) => r.tool)).toEqual(['fs__read']);
  });

  it('emits CSV with RFC 4180 quoting', async () => {
    const { out } = await cli(['query', '--db', path, '--csv', '--decision', 'deny']);
    const [header, row] = out.split('\r\n');
    expect(header).toBe('SEQ,TIME,SUB,CLIENT,METHOD,TOOL,SERVER,WORKFLOW,DECISION,OUTCOME,MS,REASONS');
    expect(row).toMatch(/,bob,,tools\/call,db__drop,db,,deny,,,"not an admin; says ""no"", twice"$/);
  });

  it('colours decisions (allow green, deny red) and failed outcomes (yellow) only on a terminal', async () => {
    let tty = '';
    let pipe = '';
    await cli(['query', '--db', path], { stdout: { write: (chunk: string) => (tty += chunk), isTTY: true } });
    await cli(['query', '--db', path], { stdout: { write: (chunk: string) => (pipe += chunk) } });
    expect(tty.match(/\u001b\[31mdeny/g)).toHaveLength(1);
    expect(tty.match(/\u001b\[32mallow/g)).toHaveLength(2);
    expect(tty.match(/\u001b\[33mtool_error/g)).toHaveLength(1);
    expect(pipe).not.toContain('\u001b');
    expect(tty.replace(/\u001b\[\d+m/g, '')).toBe(pipe);
  });
});

describe('warden audit stats, tail, export', () => {
  it('counts decisions per principal', async () => {
    const { out } = await cli(['stats', '--db', path, '--by', 'sub', '--json']);
    expect(JSON.parse(out)).toEqual([
      { key: 'alice', total: 2, allowed: 2, denied: 0, failed: 1 },
      { key: 'bob', total: 1, allowed: 0, denied: 1, failed: 0 },
    ]);
    expect((await cli(['stats', '--db', path])).out.split('\n')[0]).toMatch(/^TOOL +TOTAL +ALLOWED +DENIED +FAILED$/);
  });

  it('tails the last events', async () => {
    const { out } = await cli(['tail', '--db', path, '-n', '2']);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d+ {2}\S+ {2}outcome +tool_error dec-\d+ 4ms$/);
    expect(lines[1]).toMatch(/^\d+ {2}\S+ {2}shutdown +test$/);
  });

  it('follows new events with -f until stopped', async () => {
    const live = join(dir, 'live.db');
    const store = openAuditStore(auditConfig(live), { logger: silentLogger });
    const stop = new AbortController();
    let out = '';
    try {
      const following = run(['tail', '--db', live, '-f', '--interval', '20ms', '--json'], { stdout: { write: (c: string) => (out += c) }, now: () => now, signal: stop.signal });
      await store.recordDecision(decision({ decisionId: 'followed-1' }));
      for (let i = 0; i < 100 && !out.includes('followed-1'); i += 1) await new Promise((r) => setTimeout(r, 20));
      stop.abort();
      expect(await following).toBe(0);
      expect(out.trimEnd().split('\n').map((line) => (JSON.parse(line) as { kind: string }).kind)).toEqual(['startup', 'decision']);
    } finally {
      stop.abort();
      await store.close();
    }
  });

  it('exports every event as JSON lines that still verify against their hashes', async () => {
    const { code, out } = await cli(['export', '--db', path, '--format', 'jsonl']);
    expect(code).toBe(0);
    const rows = out.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => r.kind)).toEqual(['startup', 'decision', 'outcome', 'decision', 'decision', 'outcome', 'shutdown']);
    for (const row of rows) {
      const fields = { ...Object.fromEntries(['request_id', 'session_id', 'sub', 'iss', 'method', 'public_name', 'upstream', 'upstream_name', 'decision', 'decision_id', 'outcome', 'code'].map((k) => [k, row[k] ?? null])), kind: row.kind, time: row.time, data: canonicalJson(row.data) } as EventRow;
      expect(rowHash(row.prev_hash as string, fields)).toBe(row.hash);
    }
  });
});

describe('warden audit verify and prune', () => {
  it('reports an intact chain with exit 0, and the first bad row with exit 1', async () => {
    expect(await cli(['verify', '--db', path])).toEqual({ code: 0, out: 'chain intact: 7 rows, seq 1..7\n' });
    expect(await cli(['verify', '--db', tamperedCopy('tampered.db')])).toEqual({ code: 1, out: 'chain broken at seq 4: edited: row 4 (decision) does not match its hash: its content was changed\n' });
  });

  it('checks the log against a mark kept from an earlier verify --json (--expect SEQ:HASH)', async () => {
    const earlier = JSON.parse((await cli(['verify', '--db', path, '--json'])).out) as { lastSeq: number; lastHash: string };
    expect(earlier).toMatchObject({ ok: true, lastSeq: 7, lastHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const mark = `${earlier.lastSeq}:${earlier.lastHash}`;
    expect(await cli(['verify', '--db', path, '--expect', mark])).toEqual({ code: 0, out: 'chain intact: 7 rows, seq 1..7\n' });
    const wrong = `${earlier.lastSeq}:${'0'.repeat(64)}`;
    expect(await cli(['verify', '--db', path, '--expect', wrong])).toMatchObject({ code: 1, out: expect.stringMatching(/^chain broken at seq 7: rewritten: row 7 no longer has the hash recorded earlier/) });
    expect(await cli(['verify', '--db', path, '--expect', '7'])).toMatchObject({ code: 2, out: '' });
  });

  it('reports a query index that hides a decision with exit 1, the chain itself intact', async () => {
    const { code, out } = await cli(['verify', '--db', tamperedCopy('index-tampered.db', 'DELETE FROM decision_keys WHERE seq = 4')]);
    expect(code).toBe(1);
    expect(out).toMatch(/^chain intact: 7 rows, seq 1\.\.7\nquery index wrong at seq 4: decision row 4 is missing from the query index: .*rebuild it/);
  });

  it('prunes rows older than the given age and verify still passes', async () => {
    const pruned = join(dir, 'pruned.db');
    copyFileSync(path, pruned);
    // Rows are 5 h (the alice call), 2 h and 30 min old; the startup row 10 h.
    expect(await cli(['prune', '--db', pruned, '--older-than', '4h'])).toEqual({ code: 0, out: 'removed 3 rows through seq 3; verify starts from that anchor\n' });
    expect(await cli(['verify', '--db', pruned])).toEqual({ code: 0, out: 'chain intact: 5 rows, seq 4..8, anchored at seq 3 after pruning 3 rows\n' });
  });

  it('reads audit.path from --config, relative to the config file like warden serve', async () => {
    const config = join(dir, 'warden.config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: {}, audit: { path: 'audit.db' } }));
    expect((await cli(['verify', '--config', config])).out).toBe('chain intact: 7 rows, seq 1..7\n');
  });
});

describe('warden audit - errors and exit codes (own process)', () => {
  it('exits 2 with the flag named for a bad command line', () => {
    const result = cliProcess(['query', '--db', path, '--since', 'yesterday']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('warden: USAGE: --since: expected a duration such as 500ms, 90s, 15m, 1h, 7d or 2w, or an ISO date, got "yesterday"\n');
    const missing = cliProcess(['prune', '--db', path]);
    expect([missing.status, missing.stderr]).toEqual([2, 'warden: USAGE: --older-than: is required, e.g. --older-than 30d\n']);
  });

  it('a duration longer than 100 years is a usage error, not a stack trace (it reached past the dates a timestamp holds)', () => {
    const runs = [['query', '--since'], ['stats', '--until'], ['prune', '--older-than']].map(([command, flag]) => [flag, cliProcess([command!, '--db', path, flag!, '99999999999d'])] as const);
    for (const [flag, run] of runs) expect([run.status, run.stderr]).toEqual([2, `warden: USAGE: ${flag}: expected at most 100 years, got "99999999999d"\n`]);
    expect(cliProcess(['query', '--db', path, '--since', '36500d']).status).toBe(0);
  });

  it('exits 3 when the database cannot be opened, without a stack trace', () => {
    const result = cliProcess(['verify', '--db', join(dir, 'nope.db')]);
    expect(result.status).toBe(3);
    expect(result.stderr).toBe(`warden: AUDIT_UNAVAILABLE: cannot open audit database ${join(dir, 'nope.db')}: unable to open database file\n`);
  });

  it('exits 3 naming the file and SQLite\'s reason when the file is damaged or no database, without a stack trace', () => {
    const notDatabase = join(dir, 'not-a-database.db');
    writeFileSync(notDatabase, '{"this": "is a JSON file"}\n'.repeat(200));
    const damaged = join(dir, 'damaged.db');
    copyFileSync(path, damaged);
    const bytes = readFileSync(damaged);
    bytes.fill(0x13, 4096);
    writeFileSync(damaged, bytes);
    for (const [file, reason] of [[notDatabase, 'file is not a database (SQLITE_NOTADB)'], [damaged, 'database disk image is malformed (SQLITE_CORRUPT)']] as const) {
      for (const command of ['verify', 'query', 'stats', 'export']) {
        const result = cliProcess([command, '--db', file]);
        expect([command, result.status, result.stderr]).toEqual([command, 3, `warden: AUDIT_UNAVAILABLE: cannot read audit database ${file}: ${reason}\n`]);
      }
    }
  });

  it('exits 1 and prints the broken row for a tampered chain', () => {
    const result = cliProcess(['verify', '--db', tamperedCopy('tampered-json.db'), '--json']);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, problem: { seq: 4, kind: 'edited' } });
  });
});
