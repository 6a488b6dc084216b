import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/auth/index.ts';
import type { Authenticator } from '../../../src/auth/principal.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { MemoryAuditSink, silentLogger, TestPolicyEngine } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { authConfig, claimsOf, jwks, newSigningKey, type SigningKey, signToken } from '../../../testkit/support/tokens.ts';

/**
 * subscriptions/listen for new-era callers (issue 11), with the real SDK v2 client in the
 * 2026-07-28 era, against an upstream whose tools change at run time (the kitchen-sink's
 * `add_tool`, an old-era upstream: its list_changed and resources/updated reach the gateway
 * unsolicited). Two callers listen at once; the policy hides `ks__secret_*` tools and the
 * counter resource from bob. Each hears only what changes in its own view.
 */
const COUNTER = 'kitchen://counter';

const policy = () =>
  new TestPolicyEngine((input) => {
    if (input.principal?.sub !== 'bob') return true;
    if (input.tool?.name.startsWith('ks__secret_') === true) return false;
    return input.resource?.uri !== COUNTER;
  });

interface Heard {
  client: ClientV2;
  methods: string[];
}

async function listener(gw: TestGateway, token: string): Promise<Heard> {
  const client = new ClientV2({ name: `listener-${token}`, version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new HttpTransportV2(new URL(gw.edge.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  const heard: Heard = { client, methods: [] };
  for (const method of ['notifications/tools/list_changed', 'notifications/resources/updated'] as const) {
    client.setNotificationHandler(method, (notification) => void heard.methods.push(`${notification.method}${notification.params !== undefined && 'uri' in notification.params ? ` ${String(notification.params.uri)}` : ''}`));
  }
  await client.listen({ toolsListChanged: true, resourceSubscriptions: [COUNTER] });
  return heard;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('subscriptions/listen through the gateway (new era)', () => {
  let gw: TestGateway;
  let audit: MemoryAuditSink;
  let alice: Heard;
  let bob: Heard;

  beforeAll(async () => {
    audit = new MemoryAuditSink();
    gw = await startTestGateway({ config: { mcpServers: { ks: { ...fixtureCommand('kitchen-sink', 'stdio'), env: {} } } }, policy: policy(), audit });
    alice = await listener(gw, 'token-alice');
    bob = await listener(gw, 'token-bob');
  });

  afterAll(async () => {
    await Promise.all([alice?.client.close(), bob?.client.close()]);
    await gw?.close();
  });

  it('speaks the new era and records each listen as a decision', () => {
    expect(alice.client.getProtocolEra()).toBe('modern');
    const listens = audit.events.filter((e) => e.type === 'decision' && e.event.method === 'subscriptions/listen');
    expect(listens.map((e) => (e.type === 'decision' ? e.event.principal?.sub : undefined)).sort()).toEqual(['alice', 'bob']);
  });

  it('tells a caller of a list change only when its own view changed, and of an update only for what it may read', async () => {
    // A tool bob may not see: alice's list changes, bob's does not. The call also updates the counter.
    await alice.client.callTool({ name: 'ks__add_tool', arguments: { name: 'secret_one' } });
    await until('alice to hear of the secret tool', () => alice.methods.includes('notifications/tools/list_changed'));
    await until('alice to hear of the counter', () => alice.methods.includes(`notifications/resources/updated ${COUNTER}`));
    // A tool both may see: now bob's view changes too.
    await alice.client.callTool({ name: 'ks__add_tool', arguments: { name: 'public_one' } });
    await until('bob to hear of the public tool', () => bob.methods.includes('notifications/tools/list_changed'));
    await until('alice to hear of the second change', () => alice.methods.filter((m) => m === 'notifications/tools/list_changed').length === 2);
    // Each stream's checks run in order: bob's verdict on the first change came before the second's.
    expect(bob.methods).toEqual(['notifications/tools/list_changed']);
    expect((await bob.client.listTools()).tools.map((t) => t.name)).toContain('ks__public_one');
    expect((await bob.client.listTools()).tools.map((t) => t.name)).not.toContain('ks__secret_one');
  });

  it('keeps the upstream subscription while a listen stream still names the URI after the last old-era session unsubscribed', async () => {
    const session = await gw.connect({ token: 'token-dave' });
    await session.subscribeResource({ uri: COUNTER });
    await session.unsubscribeResource({ uri: COUNTER });
    const before = alice.methods.filter((m) => m === `notifications/resources/updated ${COUNTER}`).length;
    await alice.client.callTool({ name: 'ks__echo', arguments: { message: 'counted' } });
    await until('alice to hear of the counter after the unsubscribe', () => alice.methods.filter((m) => m === `notifications/resources/updated ${COUNTER}`).length > before);
    await session.close();
  });
});

describe('a listen stream and its token (new era)', () => {
  let gw: TestGateway;
  let audit: MemoryAuditSink;
  let authenticator: Authenticator;
  let key: SigningKey;
  const { dir, cleanup } = tempDir('listen-expiry');

  beforeAll(async () => {
    key = await newSigningKey('listen-key');
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks(key)));
    // No clock tolerance: the stream must end at the token's own exp.
    authenticator = await createAuthenticator(authConfig({ jwks_file: 'jwks.json', clock_tolerance: 0 }), { baseDir: dir, logger: silentLogger });
    audit = new MemoryAuditSink();
    gw = await startTestGateway({ config: { mcpServers: { ks: { ...fixtureCommand('kitchen-sink', 'stdio'), env: {} } } }, policy: policy(), audit, authenticator });
  });

  afterAll(async () => {
    await gw?.close();
    await authenticator?.close();
    cleanup();
  });

  it('[auth:listen-expiry] ends the stream when the token it was opened with expires, and records why', async () => {
    const token = await signToken(key, { sub: 'carol', expiresIn: 2 });
    const exp = claimsOf(token).exp as number;
    const client = new ClientV2({ name: 'expiring-listener', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new HttpTransportV2(new URL(gw.edge.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    try {
      const subscription = await client.listen({ toolsListChanged: true });
      const how = await subscription.closed;
      // Not the caller's doing, and not before the token's exp.
      expect(how).not.toBe('local');
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
      const opened = audit.events.find((e) => e.type === 'decision' && e.event.method === 'subscriptions/listen' && e.event.principal?.sub === 'carol');
      expect(opened).toBeDefined();
      const decisionId = opened!.event.decisionId;
      await until('the stream\'s outcome row', () => audit.events.some((e) => e.type === 'outcome' && e.event.decisionId === decisionId));
      expect(audit.events.find((e) => e.type === 'outcome' && e.event.decisionId === decisionId)?.event).toMatchObject({ errorCode: 'AUTH_TOKEN_EXPIRED' });
    } finally {
      await client.close();
    }
  });
});
