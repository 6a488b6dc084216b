import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { AuditStore } from '../../../src/audit/sink.ts';
import { startTestGateway, stdioFixture, type TestGateway } from '../../support/gateway/harness.ts';
import { TestPolicyEngine } from '../../support/gateway/test-engines.ts';

/** A gateway core in front of the `db` fixture, auditing into the store a test gives it (either backend). */
export const denyWhoami = () => new TestPolicyEngine((input) => input.method !== 'tools/call' || input.tool?.name !== 'db__whoami');

export async function upstreamCalls(client: Client): Promise<number> {
  const result = (await client.callTool({ name: 'db__stats', arguments: {} })) as { content: { text: string }[] };
  return (JSON.parse(result.content[0]!.text) as { calls: number }).calls;
}

export async function withGateway<T>(store: AuditStore, use: (gw: TestGateway, client: Client) => Promise<T>): Promise<T> {
  const gw = await startTestGateway({ config: { mcpServers: { db: stdioFixture('db') } }, policy: denyWhoami(), audit: store });
  try {
    return await use(gw, await gw.connect());
  } finally {
    await gw.close();
  }
}
