import { describe, expect, it } from 'vitest';
import { type EventRow, canonicalJson } from '../../../src/audit/chain.ts';
import type { AuditConfig } from '../../../src/audit/config.ts';
import type { PinSql } from '../../../src/audit/pins.ts';
import type { AuditStore, ShownEvent } from '../../../src/audit/sink.ts';
import { namesDigest, shownAt } from '../../../src/audit/shown.ts';
import { taskOwner } from '../../../src/audit/tasks.ts';
import { decision, outcomeOf, tick } from '../../../testkit/support/audit.ts';

/**
 * The AuditStore contract (src/audit/sink.ts), one suite for every backend (as hono runs one
 * router suite against each router): each backend's test file calls `auditStoreContract` with
 * how to open a store under a name (a file, a replica) and read back what it stored, through
 * a connection of its own.
 */
export interface StoreBackend {
  name: string;
  open(name: string, overrides?: Partial<AuditConfig>, options?: { now?: () => Date; version?: string }): Promise<AuditStore>;
  /** The rows of the store opened under `name`, in chain order, optionally of some kinds only. */
  events(name: string, kinds?: readonly string[]): Promise<EventRow[]>;
  /** Whether the chain of `name` verifies. */
  verifies(name: string): Promise<boolean>;
  /** Statements on the database of the store opened under `name`, through a connection of the test's. */
  reader(name: string): Promise<PinSql & { close(): Promise<void> }>;
}

export function auditStoreContract(backend: StoreBackend): void {
  describe(`AuditStore contract - ${backend.name}`, () => {
    it('writes a decision with its columns and a redacted data document', async () => {
      const store = await backend.open('decision', {}, { now: tick });
      const event = decision({ decision: 'deny', code: 'POLICY_DENIED', reasons: ['not an analyst'], workflow: { name: 'weekly', step: 'fetch' }, arguments: { sql: 'select 1', password: 'hunter2' }, upstreamProtocolVersion: '2025-11-25' });
      await store.recordDecision(event);
      await store.recordOutcome(outcomeOf(decision(), { outcome: 'upstream_error', errorCode: 'UPSTREAM_ERROR' }));
      await store.close();

      const [row, outcome] = await backend.events('decision', ['decision', 'outcome']);
      expect(row).toMatchObject({
        kind: 'decision', time: event.time, request_id: event.requestId, session_id: 'session-1', sub: 'alice', iss: 'https://idp.example.com',
        method: 'tools/call', public_name: 'db__query', upstream: 'db', upstream_name: 'query', decision: 'deny', decision_id: event.decisionId, code: 'POLICY_DENIED',
      });
      expect(JSON.parse(row!.data)).toEqual({
        arguments: { sql: 'select 1', password: '[REDACTED]' },
        arguments_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        policy_revision: 'rev-1',
        reasons: ['not an analyst'],
        token_id: 'jti-1',
        workflow: { name: 'weekly', step: 'fetch' },
        protocol_version: '2026-07-28',
        upstream_protocol_version: '2025-11-25',
        input: null,
      });
      expect(outcome).toMatchObject({ kind: 'outcome', outcome: 'upstream_error', code: 'UPSTREAM_ERROR' });
      expect(JSON.parse(outcome!.data)).toEqual({ duration_ms: 3.5, upstream_ms: 2.1 });
      expect(await backend.verifies('decision')).toBe(true);
    });

    it('keeps the policy input of a decision, redacted, with its arguments stored once', async () => {
      const store = await backend.open('decision-input', {}, { now: tick });
      const input = { method: 'tools/call', principal: { sub: 'alice', roles: ['analyst'], claims: { api_key: 'k-123' } }, arguments: { sql: 'select 1' }, now: '2026-11-23T19:00:00.000Z' };
      await store.recordDecision(decision({ input }));
      await store.close();
      const [row] = await backend.events('decision-input', ['decision']);
      const data = JSON.parse(row!.data);
      expect(data.input).toEqual({ method: 'tools/call', principal: { sub: 'alice', roles: ['analyst'], claims: { api_key: '[REDACTED]' } }, now: '2026-11-23T19:00:00.000Z' });
      expect(data.arguments).toEqual({ sql: 'select 1' });
    });

    it('stores the hashed data text exactly as hashed (key order, spacing, unicode and big numbers unchanged)', async () => {
      const store = await backend.open('exact', {}, { now: tick });
      const args = { z: 1, a: { y: [3, 2, 1], b: 'é ☃ \u2028 "q" \\ \u0001' }, big: 12345678901234567890, small: 1e-7 };
      await store.recordDecision(decision({ arguments: args }));
      await store.close();
      const [row] = await backend.events('exact', ['decision']);
      // Canonical JSON as the encoder wrote it: jsonb would reorder keys (by length) and add spaces.
      expect(row!.data).toBe(canonicalJson(JSON.parse(row!.data)));
      expect(row!.data).toContain('"a":{"b":"é ☃ \u2028 \\"q\\" \\\\ \\u0001","y":[3,2,1]}');
      expect(JSON.parse(row!.data).arguments).toEqual(args);
      expect(await backend.verifies('exact')).toBe(true);
    });

    it('records config_loaded and policy_reload (errors redacted), and startup/shutdown around them', async () => {
      const store = await backend.open('lifecycle', {}, { now: tick, version: '0.1.0' });
      await store.recordLifecycle({ kind: 'config_loaded', time: tick().toISOString(), file: '/etc/warden.json', sha256: 'abc' });
      await store.recordLifecycle({ kind: 'policy_reload', time: tick().toISOString(), revision: 'r2', previousRevision: 'r1', ok: true });
      await store.recordLifecycle({ kind: 'policy_reload', time: tick().toISOString(), revision: 'r2', ok: false, error: 'bundle fetch sent Bearer abc.def.ghi and failed' });
      await store.close('SIGTERM');
      const rows = await backend.events('lifecycle', ['startup', 'config_loaded', 'policy_reload', 'shutdown']);
      expect(rows.map((r) => r.kind)).toEqual(['startup', 'config_loaded', 'policy_reload', 'policy_reload', 'shutdown']);
      expect(JSON.parse(rows[0]!.data)).toMatchObject({ version: '0.1.0', pid: process.pid, incomplete: 0 });
      expect(JSON.parse(rows[1]!.data)).toEqual({ file: '/etc/warden.json', sha256: 'abc' });
      expect(JSON.parse(rows[2]!.data)).toEqual({ revision: 'r2', previous_revision: 'r1', ok: true, error: null });
      expect(JSON.parse(rows[3]!.data)).toEqual({ revision: 'r2', previous_revision: null, ok: false, error: 'bundle fetch sent [REDACTED:bearer] and failed' });
      expect(JSON.parse(rows[4]!.data)).toEqual({ reason: 'SIGTERM' });
    });

    it('aggregates a flood of authentication failures into one row per source and reason', async () => {
      const store = await backend.open('authn', { authn_failure_window_ms: 60_000 }, { now: tick });
      for (let i = 0; i < 5000; i += 1) {
        store.recordAuthnFailure({ time: tick().toISOString(), source: '10.0.0.9', reason: 'AUTH_TOKEN_EXPIRED', tokenId: `jti-${i % 7}` });
      }
      store.recordAuthnFailure({ time: tick().toISOString(), source: '10.0.0.9', reason: 'AUTH_TOKEN_INVALID' });
      store.recordAuthnFailure({ time: tick().toISOString(), source: 'stdio', reason: 'AUTH_TOKEN_INVALID' });
      await store.close();
      const rows = (await backend.events('authn', ['authn_failure'])).map((r) => ({ code: r.code, ...JSON.parse(r.data) }));
      expect(rows.map(({ code, source, count, token_ids }) => ({ code, source, count, token_ids }))).toEqual([
        { code: 'AUTH_TOKEN_EXPIRED', source: '10.0.0.9', count: 5000, token_ids: ['jti-0', 'jti-1', 'jti-2', 'jti-3', 'jti-4'] },
        { code: 'AUTH_TOKEN_INVALID', source: '10.0.0.9', count: 1 },
        { code: 'AUTH_TOKEN_INVALID', source: 'stdio', count: 1 },
      ].map((r) => ({ token_ids: [], ...r })));
    });

    it('writes the aggregated failures at the end of each window', async () => {
      const store = await backend.open('authn-window', { authn_failure_window_ms: 30 });
      try {
        store.recordAuthnFailure({ time: new Date().toISOString(), source: '10.0.0.1', reason: 'AUTH_TOKEN_MISSING' });
        await expect.poll(async () => (await backend.events('authn-window', ['authn_failure'])).length, { timeout: 5000 }).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('stores 500 concurrent decisions, each visible to another connection when its promise resolves, exactly once', async () => {
      const store = await backend.open('concurrent', {}, { now: tick });
      const events = Array.from({ length: 500 }, () => decision());
      const invisible: string[] = [];
      const seen = new Set<string>();
      try {
        await Promise.all(
          events.map((event, i) =>
            store.recordDecision(event).then(async () => {
              // Sampled: a read per decision would be 500 reads racing the writer.
              if (i % 50 !== 0) return;
              const stored = await backend.events('concurrent', ['decision']);
              for (const row of stored) seen.add(row.decision_id!);
              if (!seen.has(event.decisionId)) invisible.push(event.decisionId);
            }),
          ),
        );
      } finally {
        await store.close();
      }
      expect(invisible).toEqual([]);
      const ids = (await backend.events('concurrent', ['decision'])).map((row) => row.decision_id);
      expect(ids).toEqual(events.map((event) => event.decisionId));
      expect(await backend.verifies('concurrent')).toBe(true);
    });

    it('pins a definition seen first, keeps its approval when it changes, and approves only the digest reviewed', async () => {
      const store = await backend.open('pins', {}, { now: tick });
      try {
        // The pin table is shared by every replica of a database: this test's rows are its upstream's.
        const key = { kind: 'tool' as const, upstream: 'pins-up', name: 'query' };
        const first = await store.pins.recordSeen({ ...key, digest: 'd1', definition: '{"name":"query"}', flags: [], at: tick().toISOString(), approvedBy: 'warden (first seen)' });
        expect(first).toMatchObject({ ...key, seenDigest: 'd1', approvedDigest: 'd1', approvedDefinition: '{"name":"query"}', decidedBy: 'warden (first seen)', note: null, seenFlags: [] });

        // Seen again, changed: the seen definition moves, the approval stays (even if the caller says approve).
        const changed = await store.pins.recordSeen({ ...key, digest: 'd2', definition: '{"name":"query","x":1}', flags: ['description: zero-width character U+200B'], at: tick().toISOString(), approvedBy: 'someone' });
        expect(changed).toMatchObject({ seenDigest: 'd2', seenFlags: ['description: zero-width character U+200B'], approvedDigest: 'd1', decidedBy: 'warden (first seen)' });

        // An approval of a digest that is no longer the one seen approves nothing.
        expect(await store.pins.approvePin(key, 'd1', 'os:root', tick().toISOString())).toBe(false);
        expect(await store.pins.approvePin(key, 'd2', 'os:root', tick().toISOString(), 'reviewed the new schema')).toBe(true);
        const [approved] = (await store.pins.readPins()).filter((pin) => pin.upstream === 'pins-up');
        expect(approved).toMatchObject({ approvedDigest: 'd2', approvedDefinition: '{"name":"query","x":1}', decidedBy: 'os:root', note: 'reviewed the new schema' });

        expect(await store.pins.revokePin(key, 'token:alice', tick().toISOString())).toBe(true);
        expect(await store.pins.revokePin({ ...key, name: 'nothing' }, 'token:alice', tick().toISOString())).toBe(false);
        const [revoked] = (await store.pins.readPins()).filter((pin) => pin.upstream === 'pins-up');
        // The withdrawn definition stays readable for `tools diff`.
        expect(revoked).toMatchObject({ approvedDigest: null, approvedDefinition: '{"name":"query","x":1}', decidedBy: 'token:alice', note: null });

        // A new pin without approvedBy starts unapproved.
        const quarantined = await store.pins.recordSeen({ kind: 'prompt', upstream: 'pins-up', name: 'review', digest: 'p1', definition: '{}', flags: [], at: tick().toISOString() });
        expect(quarantined).toMatchObject({ kind: 'prompt', approvedDigest: null, decidedBy: null });
      } finally {
        await store.close();
      }
    });

    it('moves the decisions\' version with every approval and revocation written, and not with a definition seen again', async () => {
      const store = await backend.open('pin-decisions', {}, { now: tick });
      try {
        // Shared by every replica of a database: counted from where this test finds it.
        const start = await store.pins.decisionsVersion();
        const key = { kind: 'tool' as const, upstream: 'decided-up', name: 'query' };
        await store.pins.recordSeen({ ...key, digest: 'd1', definition: '{}', flags: [], at: tick().toISOString(), approvedBy: 'warden (first seen)' });
        await store.pins.recordSeen({ ...key, digest: 'd2', definition: '{"x":1}', flags: [], at: tick().toISOString() });
        expect(await store.pins.decisionsVersion()).toBe(start);
        expect(await store.pins.approvePin(key, 'd2', 'os:root', tick().toISOString())).toBe(true);
        expect(await store.pins.decisionsVersion()).toBe(start + 1);
        expect(await store.pins.revokePin(key, 'os:root', tick().toISOString())).toBe(true);
        expect(await store.pins.decisionsVersion()).toBe(start + 2);
        expect((await store.pins.readDecisions()).filter((pin) => pin.upstream === 'decided-up')).toEqual([{ ...key, approvedDigest: null, decidedAt: expect.any(String) }]);
      } finally {
        await store.close();
      }
    });

    it('keeps calls waiting for an operator: decides only a pending, unexpired row of exactly the binding shown, once', async () => {
      const store = await backend.open('approvals', {}, { now: tick });
      try {
        // The table is shared by every replica of a database: this test's rows have ids of their own.
        const id = `approval-${backend.name}-${Date.now()}`;
        const binding = { argumentsSha256: 'a'.repeat(64), toolDigest: 't'.repeat(64), policyRevision: 'sha256:rev-1' };
        const created = new Date();
        const pending = {
          id, createdAt: created.toISOString(), expiresAt: new Date(created.getTime() + 60_000).toISOString(), sub: 'alice', method: 'tools/call',
          publicName: 'db__drop', upstream: 'db', upstreamName: 'drop', arguments: { table: 'users', password: '[REDACTED]' }, reason: 'drops a table', binding,
        };
        await store.approvals.request(pending);
        await store.approvals.request({ ...pending, id: `${id}-expired`, expiresAt: new Date(created.getTime() - 1).toISOString() });
        expect((await store.approvals.pending(created.toISOString())).filter((row) => row.id.startsWith(id)).map((row) => row.id)).toEqual([id]);
        expect(await store.approvals.read(id)).toEqual({ ...pending, status: 'pending', decidedBy: null, decidedAt: null, note: null });

        const at = new Date().toISOString();
        for (const other of [{ ...binding, argumentsSha256: 'b'.repeat(64) }, { ...binding, toolDigest: 'u'.repeat(64) }, { ...binding, policyRevision: 'sha256:rev-2' }]) {
          expect(await store.approvals.decide(id, other, 'approved', 'os:root', at)).toBe(false);
        }
        expect(await store.approvals.decide(`${id}-expired`, binding, 'approved', 'os:root', at)).toBe(false);
        expect(await store.approvals.decide(id, binding, 'approved', 'os:root', at, 'looked at it')).toBe(true);
        expect(await store.approvals.decide(id, binding, 'denied', 'os:root', at)).toBe(false);
        expect(await store.approvals.close(id, 'expired', at)).toBe(false);
        expect(await store.approvals.read(id)).toMatchObject({ status: 'approved', decidedBy: 'os:root', decidedAt: at, note: 'looked at it' });
        expect(await store.approvals.close(`${id}-expired`, 'expired', at)).toBe(true);
        expect(await store.approvals.read('no-such-approval')).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it('keeps who started which upstream task, for whoever opens the database next', async () => {
      // The table is shared by every replica of a database: this test's rows have ids of their own.
      const id = `task-${backend.name}-${Date.now()}`;
      const task = { id, upstream: 'mk', upstreamTaskId: 'up-1', owner: taskOwner({ iss: 'https://idp.example.com', sub: 'alice' }), decisionId: 'd-1', createdAt: tick().toISOString() };
      const first = await backend.open('tasks', {}, { now: tick });
      await first.tasks.record(task).finally(() => first.close());
      const store = await backend.open('tasks', {}, { now: tick });
      try {
        expect(await store.tasks.read(id)).toEqual(task);
        expect(await store.tasks.read(`${id}-none`)).toBeUndefined();
        // An id is given once: a second row under it is refused, never a silent overwrite of the owner.
        await expect(store.tasks.record({ ...task, owner: taskOwner({ iss: 'https://idp.example.com', sub: 'bob' }) })).rejects.toThrow();
        expect((await store.tasks.read(id))?.owner).toBe(task.owner);
        // The owner is the issuer and the subject: the same sub from another issuer is someone else.
        expect(taskOwner({ iss: 'https://other.example.com', sub: 'alice' })).not.toBe(task.owner);
        expect(taskOwner(undefined)).toBe('');
      } finally {
        await store.close();
      }
    });

    it('records tool_pin rows in the chain', async () => {
      const store = await backend.open('pin-rows', {}, { now: tick });
      await store.recordLifecycle({
        kind: 'tool_pin', time: tick().toISOString(), action: 'changed', item: 'tool', upstream: 'db', name: 'query', digest: 'd2', previousDigest: 'd1',
        status: 'unapproved', flags: ['x'], by: 'os:root', note: 'see ticket 7',
      });
      await store.close();
      const [row] = await backend.events('pin-rows', ['tool_pin']);
      expect(row).toMatchObject({ kind: 'tool_pin', upstream: 'db', upstream_name: 'query' });
      expect(JSON.parse(row!.data)).toEqual({ action: 'changed', item: 'tool', digest: 'd2', previous_digest: 'd1', status: 'unapproved', flags: ['x'], by: 'os:root', note: 'see ticket 7' });
      expect(await backend.verifies('pin-rows')).toBe(true);
    });

    it('records each list answer as a shown row, its names once per distinct list, and answers what a caller was shown at a time', async () => {
      const store = await backend.open('shown', {}, { now: tick });
      // The database may be shared with other tests (PostgreSQL): a principal of this test's own.
      const sub = `alice-${backend.name}`;
      const shown = (sessionId: string, method: string, names: string[], at: Date): ShownEvent => ({
        time: at.toISOString(), requestId: '7', sessionId, protocolVersion: '2025-11-25', principal: { sub, iss: 'https://idp.example.com' }, method, names,
      });
      const t = Array.from({ length: 5 }, () => tick());
      await store.recordShown(shown('s1', 'tools/list', ['db__query', 'db__drop'], t[0]!));
      await store.recordShown(shown('s2', 'tools/list', ['db__query', 'db__drop'], t[1]!));
      await store.recordShown(shown('s2', 'prompts/list', ['review'], t[1]!));
      await store.recordShown(shown('s1', 'tools/list', ['db__query'], t[3]!));
      await store.close();

      const rows = await backend.events('shown', ['shown']);
      expect(rows).toHaveLength(4);
      expect(rows[0]).toMatchObject({ kind: 'shown', sub, iss: 'https://idp.example.com', method: 'tools/list', session_id: 's1', request_id: '7' });
      expect(JSON.parse(rows[0]!.data)).toEqual({ count: 2, names_sha256: namesDigest(['db__query', 'db__drop']), cursor: null, next_cursor: null, protocol_version: '2025-11-25' });
      expect(await backend.verifies('shown')).toBe(true);

      const reader = await backend.reader('shown');
      try {
        const stored = await reader.run('SELECT names FROM shown_names WHERE digest = ?', [namesDigest(['db__query', 'db__drop'])]);
        expect(stored.rows).toEqual([{ names: '["db__query","db__drop"]' }]);

        // Between t1 and t3, s1 still held its first list: db__drop was visible in both sessions.
        const before = await shownAt(reader, { sub, at: t[2]!, since: t[0]! });
        // Newest first; s2's two answers share a time.
        expect(before.map((r) => r.sessionId)).toEqual(['s2', 's2', 's1']);
        expect(before.map((r) => [r.sessionId, r.method, r.names]).sort()).toEqual([
          ['s1', 'tools/list', ['db__query', 'db__drop']], ['s2', 'prompts/list', ['review']], ['s2', 'tools/list', ['db__query', 'db__drop']],
        ]);
        // After t3, s1's newest answer no longer names it.
        const after = await shownAt(reader, { sub, at: t[4]!, since: t[0]! });
        expect(after.find((r) => r.sessionId === 's1')?.names).toEqual(['db__query']);
        // Answers older than `since` do not count; another principal sees nothing of alice's.
        expect(await shownAt(reader, { sub, at: t[4]!, since: t[2]! })).toHaveLength(1);
        expect(await shownAt(reader, { sub: `bob-${backend.name}`, at: t[4]!, since: t[0]! })).toEqual([]);

        // The side table is not hashed: names that no longer match the row's digest are reported, never shown.
        await reader.run('UPDATE shown_names SET names = ? WHERE digest = ?', ['["db__query"]', namesDigest(['db__query', 'db__drop'])]);
        const edited = await shownAt(reader, { sub, at: t[2]!, since: t[0]! });
        expect(edited.find((r) => r.sessionId === 's1')).toMatchObject({ names: null, problem: 'the names stored for this answer do not match its row (shown_names was edited)' });
      } finally {
        await reader.close();
      }
    });

    it('refuses writes after close', async () => {
      const store = await backend.open('closed');
      await store.close();
      await expect(store.recordDecision(decision())).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: 'the audit store is closed' });
    });
  });
}
