import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../../src/audit/chain.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { readiness } from '../../../src/downstream/readiness.ts';
import { upstreamCalls, withGateway } from '../../../testkit/support/gateway.ts';
import { auditConfig, readEvents, tempDir, verifyFile } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const { dir, cleanup } = tempDir('gateway-audit');
afterAll(cleanup);

/** Deterministic pseudo-random numbers (mulberry32), so a failing mix can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


type Seen = 'ok' | 'denied' | 'error' | 'cancelled';

describe('audit through the live gateway', () => {
  it('a random mix of calls yields one decision per request and one outcome per forwarded call', async () => {
    const path = join(dir, 'completeness.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger });
    const ledger: { tool: string; seen: Seen }[] = [];
    const next = random(20261123);
    let upstreamSaw = 0;
    await withGateway(store, async (_gw, client) => {
      const before = await upstreamCalls(client);
      const call = async (i: number): Promise<void> => {
        const pick = next();
        if (pick < 0.4) {
          const result = await client.callTool({ name: 'db__echo', arguments: { message: `m${i}` } });
          ledger.push({ tool: 'db__echo', seen: result.isError ? 'error' : 'ok' });
        } else if (pick < 0.6) {
          await client.callTool({ name: 'db__whoami', arguments: {} }).then(
            () => ledger.push({ tool: 'db__whoami', seen: 'ok' }),
            () => ledger.push({ tool: 'db__whoami', seen: 'denied' }),
          );
        } else if (pick < 0.8) {
          // The client declared no sampling capability: the upstream's sampling request fails.
          await client.callTool({ name: 'db__sample', arguments: { message: 'x' } }).then(
            (result) => ledger.push({ tool: 'db__sample', seen: result.isError ? 'error' : 'ok' }),
            () => ledger.push({ tool: 'db__sample', seen: 'error' }),
          );
        } else {
          const abort = new AbortController();
          setTimeout(() => abort.abort(), 30);
          await client.callTool({ name: 'db__slow', arguments: { steps: 1, delayMs: 5000 } }, undefined, { signal: abort.signal }).then(
            () => ledger.push({ tool: 'db__slow', seen: 'ok' }),
            () => ledger.push({ tool: 'db__slow', seen: 'cancelled' }),
          );
        }
      };
      for (let i = 0; i < 60; i += 8) await Promise.all(Array.from({ length: 8 }, (_, j) => call(i + j)));
      // Give cancellations time to reach the upstream and come back as outcomes.
      await new Promise((resolve) => setTimeout(resolve, 200));
      upstreamSaw = (await upstreamCalls(client)) - before;
    });
    await store.close();

    const events = readEvents(path);
    const decisions = events.filter((r) => r.kind === 'decision' && r.method === 'tools/call' && r.public_name !== 'db__stats');
    const outcomes = new Map<string, EventRow[]>();
    for (const r of events.filter((e) => e.kind === 'outcome')) outcomes.set(r.decision_id!, [...(outcomes.get(r.decision_id!) ?? []), r]);

    const seen = (kind: Seen) => ledger.filter((c) => c.seen === kind).length;
    expect([seen('ok'), seen('denied'), seen('error'), seen('cancelled')].every((n) => n > 0)).toBe(true);
    expect(decisions).toHaveLength(ledger.length);
    const denied = seen('denied');
    expect(decisions.filter((d) => d.decision === 'deny')).toHaveLength(denied);
    expect(decisions.filter((d) => d.decision === 'deny').every((d) => d.public_name === 'db__whoami' && !outcomes.has(d.decision_id!))).toBe(true);
    const allowed = decisions.filter((d) => d.decision === 'allow');
    expect(allowed.map((d) => outcomes.get(d.decision_id!)?.length ?? 0)).toEqual(allowed.map(() => 1));
    // Nothing reached the upstream without its decision row. A call cancelled between its row and
    // the forward never reaches it, so the cancelled ones may or may not have been seen.
    expect(upstreamSaw).toBeLessThanOrEqual(allowed.length);
    expect(upstreamSaw).toBeGreaterThanOrEqual(allowed.length - seen('cancelled'));

    const outcomeCount = (kind: string) => allowed.filter((d) => outcomes.get(d.decision_id!)![0]!.outcome === kind).length;
    expect(outcomeCount('ok')).toBe(seen('ok'));
    expect(outcomeCount('cancelled')).toBe(seen('cancelled'));
    expect(allowed.length - outcomeCount('ok') - outcomeCount('cancelled')).toBe(seen('error'));

    expect(verifyFile(path)).toMatchObject({ ok: true, problem: null });
  });

  it('refuses a call with AUDIT_UNAVAILABLE while the write lock is held elsewhere; the upstream sees nothing', async () => {
    const path = join(dir, 'locked.db');
    const store = openAuditStore(auditConfig(path, { busy_timeout_ms: 50 }), { logger: silentLogger });
    const other = new Database(path);
    try {
      await withGateway(store, async (gw, client) => {
        const before = await upstreamCalls(client);
        other.exec('BEGIN IMMEDIATE');
        await expect(client.callTool({ name: 'db__echo', arguments: { message: 'must not arrive' } })).rejects.toMatchObject({ data: { code: 'AUDIT_UNAVAILABLE' } });
        expect(store.health().ok).toBe(false);
        // Readiness (GET /readyz) reports what the failed write taught the store.
        expect(readiness(gw.gateway, { audit: () => store.health(), policyRevision: () => "test" }, false)).toMatchObject({ ready: false, audit: 'unavailable' });
        other.exec('ROLLBACK');
        expect(await upstreamCalls(client)).toBe(before);
        expect(store.health().ok).toBe(true);
        expect(readiness(gw.gateway, { audit: () => store.health(), policyRevision: () => "test" }, false)).toMatchObject({ ready: true, audit: 'ok', upstreams: { connected: 1, total: 1 } });
      });
    } finally {
      other.close();
      await store.close();
    }
    expect(readEvents(path).filter((r) => r.kind === 'decision' && r.public_name === 'db__echo')).toEqual([]);
  });

  it('refuses calls once the database is full (max_size_mb); the upstream saw only the recorded ones', async () => {
    const path = join(dir, 'full.db');
    const store = openAuditStore(auditConfig(path, { max_size_mb: 0.3 }), { logger: silentLogger });
    const other = new Database(path);
    let recorded = 0;
    try {
      await withGateway(store, async (_gw, client) => {
        const before = await upstreamCalls(client);
        let refused: unknown;
        for (let i = 0; i < 200 && refused === undefined; i += 1) {
          await client.callTool({ name: 'db__echo', arguments: { message: `${i}:${'x'.repeat(3000)}` } }).then(() => (recorded += 1), (error: unknown) => (refused = error));
        }
        expect(refused).toMatchObject({ data: { code: 'AUDIT_UNAVAILABLE' } });
        // Free pages (outside the store) so the probe call below can itself be audited.
        other.prepare("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE kind = 'decision' ORDER BY seq LIMIT 5)").run();
        expect(await upstreamCalls(client)).toBe(before + recorded);
      });
    } finally {
      other.close();
      await store.close();
    }
    expect(recorded).toBeGreaterThan(5);
  });
});
