import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditConfigSchema } from '../../../src/audit/config.ts';
import { postgresSessionState } from '../../../src/audit/postgres/session-state.ts';
import { openPostgresAuditStore } from '../../../src/audit/postgres/store.ts';
import { memorySessionState } from '../../../src/audit/session-state.ts';
import { createSealer } from '../../../src/seal.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { TestPolicyEngine, silentLogger } from '../../../testkit/support/engines.ts';
import { startPostgres } from '../../../testkit/support/postgres.ts';

/**
 * Old-era sessions on any replica (issue 14): three gateways sharing one session key and one
 * session-state store act as replicas behind a balancer. A session begun on one continues on
 * another without a new initialize, with its principal checked and its state carried; an id that
 * is not sealed by the key, or presented by another principal, or ended, is an unknown session.
 */
const sealer = createSealer('a shared session key of at least 32 chars');
const state = memorySessionState();
const policies = [0, 1, 2].map(() => new TestPolicyEngine(() => true));
let replicas: TestGateway[] = [];

beforeAll(async () => {
  replicas = await Promise.all(policies.map((policy, i) =>
    startTestGateway({ config: { mcpServers: { db: relayServer('db') } }, policy, sessionState: state, sessions: { sealer, replicaId: `r${i}` }, authEdge: true }),
  ));
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
});

const text = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]!.text);

/** A client that presents an existing session id to `replica`: the SDK then skips initialize. */
async function resume(replica: TestGateway, sessionId: string, token = 'token-alice'): Promise<Client> {
  const client = new Client({ name: 'resumer', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(replica.edge.url), { sessionId, requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

async function post(replica: TestGateway, sessionId: string, token: string): Promise<number> {
  const response = await fetch(replica.edge.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
  });
  await response.body?.cancel();
  return response.status;
}

describe('old-era sessions on any replica', () => {
  it('a session begun on one replica continues on another without initialize, as the same session, with its subscriptions and log delivery', async () => {
    const [a, b] = replicas as [TestGateway, TestGateway];
    const client = await a.connect({ capabilities: { sampling: {} } });
    await client.subscribeResource({ uri: 'test://db/info' });
    await client.setLoggingLevel('info');
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{100,}$/);

    const moved = await resume(b, sessionId);
    expect(text(await moved.callTool({ name: 'db__whoami', arguments: {} }))).toBe('db');
    const onA = policies[0]!.inputs.find((i) => i.method === 'resources/subscribe')!;
    const onB = policies[1]!.inputs.find((i) => i.method === 'tools/call')!;
    expect(onB.principal?.sub).toBe('alice');
    expect(onB.request.session).toBe(onA.request.session);
    expect(onB.request.protocol_version).toBe(onA.request.protocol_version);
    const taken = [...b.gateway.sessions].find((s) => s.id === onB.request.session)!;
    expect([...taken.subscriptions]).toEqual(['test://db/info']);
    expect(taken.receivesLogs).toBe(true);
    // The client's capabilities came with the seal: the SDK Server of B knows them.
    expect(taken.server.getClientCapabilities()).toEqual({ sampling: {} });
    await moved.close();
  });

  it('another principal, an altered id or an id sealed by another key is an unknown session (404)', async () => {
    const [a, b] = replicas as [TestGateway, TestGateway];
    const client = await a.connect();
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    expect(await post(b, sessionId, 'token-alice')).toBe(200);
    const c = replicas[2]!;
    expect(await post(c, sessionId, 'token-mallory')).toBe(404);
    const flipped = sessionId.slice(0, 40) + (sessionId[40] === 'A' ? 'B' : 'A') + sessionId.slice(41);
    expect(await post(c, flipped, 'token-alice')).toBe(404);
    const foreign = createSealer('another key of at least thirty-two chars').seal('session', { n: 'x', owner: 'https://test.invalid alice', protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } });
    expect(await post(c, foreign, 'token-alice')).toBe(404);
  });

  it('a session the client ended (DELETE) on one replica is continued by no other', async () => {
    const [a, b, c] = replicas as [TestGateway, TestGateway, TestGateway];
    const client = await a.connect();
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const moved = await resume(b, sessionId);
    await (moved.transport as StreamableHTTPClientTransport).terminateSession();
    expect(await post(c, sessionId, 'token-alice')).toBe(404);
    expect(await post(b, sessionId, 'token-alice')).toBe(404);
  });
});

describe('old-era sessions on replicas sharing PostgreSQL', () => {
  it('a session ended (DELETE) through one replica stops being answered by the replica that began it, at once', async () => {
    const server = await startPostgres();
    const config = (replica: string) => auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: replica });
    // The audit store migrates the schema the session state lives in.
    const audit = await openPostgresAuditStore(config('p0'), { logger: silentLogger });
    const states = ['p1', 'p2'].map((replica) => postgresSessionState(config(replica), silentLogger));
    const pair = await Promise.all(states.map((sessionState, i) =>
      startTestGateway({ config: { mcpServers: { db: relayServer('db') } }, policy: new TestPolicyEngine(() => true), sessionState, sessions: { sealer, replicaId: `p${i + 1}` }, authEdge: true }),
    ));
    try {
      const [a, b] = pair as [TestGateway, TestGateway];
      const client = await a.connect();
      const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
      const moved = await resume(b, sessionId);
      expect(text(await moved.callTool({ name: 'db__whoami', arguments: {} }))).toBe('db');
      expect(await post(a, sessionId, 'token-alice')).toBe(200);
      await (moved.transport as StreamableHTTPClientTransport).terminateSession();
      // A still held the session in memory; the end announced by PostgreSQL closes it there.
      await expect.poll(() => post(a, sessionId, 'token-alice'), { timeout: 10_000 }).toBe(404);
    } finally {
      await Promise.all(pair.map((replica) => replica.close()));
      await Promise.all(states.map((state) => state.close()));
      await audit.close('shutdown');
      await server.close();
    }
  }, 60_000);
});
