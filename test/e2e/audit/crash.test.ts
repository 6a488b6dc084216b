import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../../src/audit/chain.ts';
import { verifyChain } from '../../../src/audit/sqlite/verify.ts';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { startGatewayHttp, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

const { dir, cleanup } = tempDir('gateway-crash');
const started: ListeningProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((gateway) => gateway.kill('SIGKILL')));
  cleanup();
});

async function serve(config: string): Promise<ListeningProcess> {
  const gateway = await startGatewayHttp(config);
  started.push(gateway);
  return gateway;
}

/** The gateway's own children (its stdio upstream), which a SIGKILL leaves behind. */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

describe('audit durability - the gateway is SIGKILLed mid-load', () => {
  it('keeps a decision row for every answered call, verifies, and marks cut-off calls incomplete after restart', async () => {
    const config = writeGatewayConfig(dir, { db: { ...relayServer('db'), env: {} } });
    const first = await serve(config);
    const client = new Client({ name: 'crash-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(first.url)));

    const answered: string[] = [];
    let killed = false;
    let n = 0;
    const echoes = async (): Promise<void> => {
      while (!killed) {
        const message = `call-${(n += 1)}`;
        const ok = await client.callTool({ name: 'db__echo', arguments: { message } }).then(() => true, () => false);
        if (ok && !killed) answered.push(message);
      }
    };
    // Slow calls that are forwarded but can never finish before the kill.
    const slow = Array.from({ length: 3 }, () => client.callTool({ name: 'db__slow', arguments: { steps: 1, delayMs: 60_000 } }).catch(() => undefined));
    const load = Array.from({ length: 8 }, echoes);
    while (answered.length < 150) await new Promise((resolve) => setTimeout(resolve, 10));
    const orphans = childrenOf(first.pid);
    killed = true;
    await first.kill('SIGKILL');
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone with its parent's stdin
      }
    }
    // Closing the client fails what is still pending, instead of waiting out its request timeout.
    await client.close().catch(() => undefined);
    await Promise.all([...load, ...slow]);

    // Restart: opening the audit store closes what the crash left open; then stop cleanly.
    const second = await serve(config);
    expect((await second.kill('SIGTERM')).code).toBe(0);

    const db = new Database(join(dir, 'audit.db'), { readonly: true });
    try {
      const events = db.prepare('SELECT * FROM events ORDER BY seq').all() as EventRow[];
      const decisions = events.filter((e) => e.kind === 'decision' && e.method === 'tools/call');
      const messages = new Set(decisions.map((d) => (JSON.parse(d.data) as { arguments: { message?: string } }).arguments.message));
      expect(answered.filter((message) => !messages.has(message))).toEqual([]);

      const outcomes = new Map<string, string[]>();
      for (const e of events.filter((e) => e.kind === 'outcome')) outcomes.set(e.decision_id!, [...(outcomes.get(e.decision_id!) ?? []), e.outcome!]);
      // On a loaded machine a decision can miss the policy's 250 ms budget and be denied (fail
      // closed, POLICY_ERROR; CI saw one on Node 24): such a call was never forwarded and has no
      // outcome. Nothing else may be denied, and every forwarded call has exactly one outcome.
      const allowed = decisions.filter((d) => d.decision === 'allow');
      const denied = decisions.filter((d) => d.decision !== 'allow');
      expect(denied.filter((d) => d.code !== 'POLICY_ERROR' || outcomes.has(d.decision_id!))).toEqual([]);
      expect(allowed.filter((d) => (outcomes.get(d.decision_id!)?.length ?? 0) !== 1)).toEqual([]);
      const slowOutcomes = allowed.filter((d) => d.public_name === 'db__slow').map((d) => outcomes.get(d.decision_id!)![0]);
      expect(slowOutcomes).toEqual(['incomplete', 'incomplete', 'incomplete']);
      const startups = events.filter((e) => e.kind === 'startup').map((e) => JSON.parse(e.data) as { incomplete: number });
      expect(startups).toHaveLength(2);
      expect(startups[1]!.incomplete).toBeGreaterThanOrEqual(3);
      expect(events.at(-1)!.kind).toBe('shutdown');
      expect(verifyChain(db)).toMatchObject({ ok: true, problem: null });
    } finally {
      db.close();
    }
  });
});
