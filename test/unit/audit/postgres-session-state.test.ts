import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditConfigSchema } from '../../../src/audit/config.ts';
import { postgresSessionState } from '../../../src/audit/postgres/session-state.ts';
import { openPostgresAuditStore } from '../../../src/audit/postgres/store.ts';
import type { AuditStore } from '../../../src/audit/sink.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

// Session state shared by replicas (issue 14): what one replica writes, another reads.
let server: TestPostgres;
let audit: AuditStore;
beforeAll(async () => {
  server = await startPostgres();
  // The audit store migrates the schema (the sessions table is migration 0002).
  audit = await openPostgresAuditStore(auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: 'r1' }), { logger: silentLogger });
}, 60_000);
afterAll(async () => {
  await audit?.close('shutdown');
  await server?.close();
});

describe('PostgreSQL session state', () => {
  it('a session created on one replica is read, changed and ended from another; an unknown one is undefined', async () => {
    const config = (replica: string) => auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: replica });
    const one = postgresSessionState(config('r1'), silentLogger);
    const two = postgresSessionState(config('r2'), silentLogger);
    try {
      const id = 'sealed-session-id-1';
      expect(await two.load(id)).toBeUndefined();
      await one.create(id, 'r1');
      expect(await two.load(id)).toEqual({ subscriptions: [], receivesLogs: false });
      await two.save(id, { subscriptions: ['test://db/info', 'file:///a b'], receivesLogs: true });
      expect(await one.load(id)).toEqual({ subscriptions: ['test://db/info', 'file:///a b'], receivesLogs: true });
      // Created twice (a retried initialize): the state is kept.
      await one.create(id, 'r1');
      expect(await one.load(id)).toMatchObject({ receivesLogs: true });
      await one.end(id);
      expect(await two.load(id)).toBeUndefined();
      // An ended session is not revived by a late save from a replica that still held it.
      await two.save(id, { subscriptions: [], receivesLogs: false });
      expect(await one.load(id)).toBeUndefined();
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('a replica holding a session closes it as soon as another replica ends it, and on reconnection closes those ended meanwhile', async () => {
    const config = (replica: string) => auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: replica });
    const holder = postgresSessionState(config('r1'), silentLogger);
    const ender = postgresSessionState(config('r2'), silentLogger);
    const held = new Set(['held-1', 'held-2', 'held-3']);
    const closed: string[] = [];
    try {
      for (const id of held) await holder.create(id, 'r1');
      await ender.create('elsewhere', 'r2');
      // Ended before the holder listens: its recheck on connecting finds it.
      await ender.end('held-3');
      holder.watchEnded(() => held, (id) => {
        closed.push(id);
        held.delete(id);
      });
      await expect.poll(() => closed, { timeout: 10_000 }).toEqual(['held-3']);
      await ender.end('held-1');
      await ender.end('elsewhere');
      await expect.poll(() => closed, { timeout: 10_000 }).toEqual(['held-3', 'held-1']);
      expect([...held]).toEqual(['held-2']);
    } finally {
      await holder.close();
      await ender.close();
    }
  });
});
