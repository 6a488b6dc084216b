/**
 * The console's reader (src/audit/console-reader.ts), one suite for both backends: rows written
 * by the real audit store (SQLite file, PostgreSQL server), read back as the console's pages ask
 * for them: newest first, keyset pages, the live tail, a decision with its outcome and workflow
 * siblings, the Overview's counts, recorded principals.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditConfig, auditConfigSchema } from '../../../src/audit/config.ts';
import type { ConsoleReader } from '../../../src/audit/console-reader.ts';
import type { DecisionRecord } from '../../../src/audit/decisions.ts';
import { openConfiguredAuditStore, openConfiguredConsoleReader } from '../../../src/audit/index.ts';
import type { DecisionEvent } from '../../../src/audit/sink.ts';
import { decision, outcomeOf, tempDir } from '../../../testkit/support/audit.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';

const { dir, cleanup } = tempDir('console-reader');
let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.close();
  cleanup();
});

const BACKENDS: Array<[string, () => AuditConfig]> = [
  ['sqlite', () => auditConfigSchema.parse({ path: join(dir, 'audit.db') })],
  ['postgres', () => auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: 'gw-1' })],
];

describe.each(BACKENDS)('console reader - %s', (_name, configOf) => {
  let reader: ConsoleReader;
  const written: DecisionEvent[] = [];
  const start = new Date(Date.UTC(2026, 10, 23, 11, 0, 0));

  beforeAll(async () => {
    const config = configOf();
    const store = await openConfiguredAuditStore(config, dir);
    const input = (sub: string, roles: string[]) => ({ method: 'tools/call', principal: { sub, iss: 'https://idp.example.com', roles, scopes: ['mcp:tools'] } });
    const events = [
      decision({ principal: { sub: 'alice', iss: 'https://idp.example.com' }, input: input('alice', ['analyst']) }),
      decision({ principal: { sub: 'bob', iss: 'https://idp.example.com' }, publicName: 'db__drop', upstreamName: 'drop', decision: 'deny', code: 'POLICY_DENIED', reasons: ['not an admin'], input: input('bob', ['reporter']) }),
      decision({ requestId: 'req-wf', publicName: 'weekly', upstream: 'warden', upstreamName: 'weekly' }),
      decision({ requestId: 'req-wf', workflow: { name: 'weekly', step: 'fetch' } }),
      ...Array.from({ length: 6 }, () => decision()),
    ];
    for (const event of events) {
      await store.recordDecision(event);
      if (event.decision === 'allow') await store.recordOutcome(outcomeOf(event));
      written.push(event);
    }
    await store.close();
    reader = await openConfiguredConsoleReader(config, dir);
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
  });

  it('lists decisions newest first and pages by keyset without gaps or repeats', async () => {
    const first = await reader.decisions({}, 4);
    expect(first.map((row) => row.decisionId)).toEqual(written.slice(-4).reverse().map((event) => event.decisionId));
    const seen = [...first];
    for (let page = first; page.length === 4; ) {
      const last = page.at(-1)!;
      page = await reader.decisions({ before: { time: last.time, seq: last.seq, ...(last.replica === undefined ? {} : { replica: last.replica }) } }, 4);
      seen.push(...page);
    }
    expect(seen.map((row) => row.decisionId)).toEqual([...written].reverse().map((event) => event.decisionId));
    expect(seen.find((row) => row.sub === 'bob')).toMatchObject({ decision: 'deny', code: 'POLICY_DENIED', tool: 'db__drop', outcome: null });
  });

  it('filters, and tails only what is newer than the newest row shown', async () => {
    expect((await reader.decisions({ decision: 'deny' }, 50)).map((row) => row.sub)).toEqual(['bob']);
    expect((await reader.decisions({ tool: 'db__d*' }, 50)).map((row) => row.tool)).toEqual(['db__drop']);
    expect((await reader.decisions({ workflow: 'weekly' }, 50)).map((row) => row.workflow)).toEqual([{ name: 'weekly', step: 'fetch' }]);
    const [newest] = await reader.decisions({}, 1);
    expect(await reader.decisions({ since: new Date(newest!.time), afterSeq: newest!.seq }, 100)).toEqual([]);
    const older = (await reader.decisions({}, 3))[2]!;
    const tail = await reader.decisions({ since: new Date(older.time), afterSeq: older.seq }, 100);
    expect(tail.map((row) => row.decisionId)).toEqual(written.slice(-2).reverse().map((event) => event.decisionId));
  });

  it('shows one decision with its outcome, its workflow siblings and its place in the chain', async () => {
    const rows = await reader.decisions({}, 50);
    const step = rows.find((row) => row.workflow?.step === 'fetch')!;
    const detail = await reader.decision(step.seq, step.replica);
    expect(detail).toMatchObject({
      record: { decisionId: step.decisionId },
      outcome: { outcome: 'ok', durationMs: 3.5, upstreamMs: 2.1 },
      policyRevision: 'rev-1',
      chain: { seq: step.seq },
    });
    expect(detail!.siblings.map((sibling) => sibling.tool)).toEqual(['weekly']);
    expect(detail!.chain.headSeq).toBeGreaterThan(step.seq);
    expect(await reader.decision(99_999)).toBeUndefined();
  });

  it('counts calls and denials per bucket, tool and principal for the Overview', async () => {
    const overview = await reader.overview({ since: start, until: new Date(start.getTime() + 2 * 3_600_000) }, 4);
    expect(overview.buckets.reduce((sum, bucket) => sum + bucket.calls, 0)).toBe(written.length);
    expect(overview.buckets.reduce((sum, bucket) => sum + bucket.denied, 0)).toBe(1);
    expect(overview.buckets[2]!.calls).toBe(written.length);
    expect(overview.byTool[0]).toMatchObject({ key: 'db__query', calls: [0, 0, 8, 0] });
    expect(overview.byPrincipal.map((series) => series.key).sort()).toEqual(['alice', 'bob']);
    expect(overview.topDenied).toEqual([{ tool: 'db__drop', denied: 1 }]);
    expect(overview.errorCodes).toEqual([{ kind: 'decision', code: 'POLICY_DENIED', count: 1 }]);
    expect(overview.history.map((entry) => entry.kind)).toEqual(['shutdown', 'startup']);
    expect(overview.head).not.toBeNull();
  });

  it('lists recorded principals and the roles their newest input carried', async () => {
    expect(await reader.principals(10)).toEqual(['alice', 'bob']);
    expect(await reader.principals(1)).toEqual(['alice']);
    expect(await reader.recordedPrincipal('bob')).toMatchObject({ sub: 'bob', roles: ['reporter'] });
    expect(await reader.recordedPrincipal('nobody')).toBeUndefined();
  });
});

describe('console reader - postgres, two replicas', () => {
  it('pages rows of both chains in time order and opens each by replica (seq counts per chain)', async () => {
    const url = await server.createDatabase('two_replicas');
    const configOf = (replica: string) => auditConfigSchema.parse({ backend: 'postgres', url, replica_id: replica });
    const one = await openConfiguredAuditStore(configOf('gw-1'), dir);
    const two = await openConfiguredAuditStore(configOf('gw-2'), dir);
    // The same times in both chains: only the replica orders them.
    const events: Array<[typeof one, DecisionEvent]> = [];
    for (let i = 0; i < 3; i += 1) {
      const first = decision({ principal: { sub: `one-${i}`, iss: 'https://idp.example.com' } });
      events.push([one, first], [two, { ...first, decisionId: `${first.decisionId}-2`, principal: { sub: `two-${i}`, iss: 'https://idp.example.com' } }]);
    }
    for (const [store, event] of events) await store.recordDecision(event);
    await one.close();
    await two.close();
    const reader = await openConfiguredConsoleReader(configOf('gw-1'), dir);
    try {
      const seen: DecisionRecord[] = [];
      let before: { time: string; seq: number; replica?: string } | undefined;
      for (;;) {
        const page = await reader.decisions(before === undefined ? {} : { before }, 2);
        seen.push(...page);
        if (page.length < 2) break;
        const last = page.at(-1)!;
        before = { time: last.time, seq: last.seq, replica: last.replica! };
      }
      expect(seen.map((row) => row.sub)).toEqual(['two-2', 'one-2', 'two-1', 'one-1', 'two-0', 'one-0']);
      const seqsOf = (replica: string) => new Set(seen.filter((row) => row.replica === replica).map((row) => row.seq));
      expect([...seqsOf('gw-1')].some((seq) => seqsOf('gw-2').has(seq))).toBe(true);
      for (const row of seen) expect((await reader.decision(row.seq, row.replica))?.record.sub).toBe(row.sub);
    } finally {
      await reader.close();
    }
  });
});
