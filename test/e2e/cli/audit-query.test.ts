import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { runWarden } from '../../../testkit/support/cli.ts';
import { auditConfig, decision, outcomeOf, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

/**
 * `warden audit query|stats` as a new user reads them (the real CLI as a process): a client that
 * sets the log level on every connection does not crowd the calls out, each decision shows the
 * workflow step it was made for and the client that made it, and `stats --by tool` has no blank row.
 */
const { dir, cleanup } = tempDir('audit-query');
const path = join(dir, 'audit.db');

beforeAll(async () => {
  const store = openAuditStore(auditConfig(path), { logger: silentLogger });
  const input = (transport: string, claims: Record<string, unknown> = {}) => ({ principal: { sub: 'alice', claims }, request: { transport, remote_addr: '127.0.0.1' } });
  const events = [
    decision({ publicName: 'db__query', upstream: 'db', input: input('http', { client_id: 'claude-code' }) }),
    decision({ publicName: 'weekly_sales_report', upstream: 'warden', input: input('stdio') }),
    decision({ publicName: 'db__get_sales', upstream: 'db', workflow: { name: 'weekly_sales_report', step: 'fetch' }, input: input('stdio') }),
    ...Array.from({ length: 3 }, () => decision({ method: 'logging/setLevel', publicName: undefined, upstream: undefined, upstreamName: undefined, arguments: undefined, input: input('http') })),
  ];
  for (const event of events) {
    await store.recordDecision(event);
    await store.recordOutcome(outcomeOf(event));
  }
  await store.close('test');
});
afterAll(cleanup);

describe('warden audit query and stats (process)', () => {
  it('hides logging/setLevel rows unless --method asks; shows workflow/step and the client', { timeout: 120_000 }, async () => {
    const [table, json, levels] = await Promise.all([
      runWarden(['audit', 'query', '--db', path, '--limit', '3']),
      runWarden(['audit', 'query', '--db', path, '--json']),
      runWarden(['audit', 'query', '--db', path, '--method', 'logging/setLevel', '--json']),
    ]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ +TIME +SUB +CLIENT +METHOD +TOOL +SERVER +WORKFLOW +DECISION +OUTCOME +MS +REASONS$/);
    // The three newest rows are the calls, not the three setLevel rows recorded after them.
    expect(lines.slice(1).map((line) => line.split(/ +/).slice(3, 8))).toEqual([
      ['stdio', 'tools/call', 'db__get_sales', 'db', 'weekly_sales_report/fetch'],
      ['stdio', 'tools/call', 'weekly_sales_report', 'warden', 'allow'],
      ['claude-code', 'tools/call', 'db__query', 'db', 'allow'],
    ]);
    const records = JSON.parse(json.stdout) as Array<{ method: string; workflow: unknown; client: unknown }>;
    expect(records.map((r) => r.method)).toEqual(['tools/call', 'tools/call', 'tools/call']);
    expect(records[0]).toMatchObject({ workflow: { name: 'weekly_sales_report', step: 'fetch' }, client: { id: null, transport: 'stdio', remoteAddr: '127.0.0.1' } });
    expect(records[2]).toMatchObject({ workflow: null, client: { id: 'claude-code', transport: 'http' } });
    expect((JSON.parse(levels.stdout) as unknown[]).length).toBe(3);
  });

  it('stats --by tool counts tools only: no blank row', { timeout: 120_000 }, async () => {
    const run = await runWarden(['audit', 'stats', '--db', path, '--by', 'tool']);
    expect(run.code).toBe(0);
    const rows = run.stdout.trimEnd().split('\n').slice(1).map((line) => line.split(/ +/)[0]);
    expect(rows.sort()).toEqual(['db__get_sales', 'db__query', 'weekly_sales_report']);
  });

  it('--kind shows rows of one kind (outcomes, the store\'s own startup) and refuses decision filters with it', { timeout: 120_000 }, async () => {
    const [outcomes, lifecycle, refused] = await Promise.all([
      runWarden(['audit', 'query', '--db', path, '--kind', 'outcome', '--json']),
      runWarden(['audit', 'query', '--db', path, '--kind', 'startup']),
      runWarden(['audit', 'query', '--db', path, '--kind', 'outcome', '--tool', 'db__query']),
    ]);
    const rows = outcomes.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { kind: string; outcome: string });
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((row) => [row.kind, row.outcome].join()))).toEqual(new Set(['outcome,ok']));
    expect(lifecycle.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^1 +\S+ +startup /)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--tool: filters decision rows; with --kind outcome only --since, --until and --limit apply');
  });
});
