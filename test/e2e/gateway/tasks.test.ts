import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AuditStore } from '../../../src/audit/sink.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { auditConfig, readEvents, tempDir } from '../../../testkit/support/audit.ts';
import { TestPolicyEngine } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { postModern } from '../../../testkit/support/rpc.ts';

/**
 * The tasks extension through the gateway (issue 11, SEP-2663), against the SDK v2 fixture that
 * turns `job` into a task for callers that declare the extension. Two principals, a real SQLite
 * audit store (the `tasks` table and the trail). The task is there only for the one who started
 * it: bob's reads and updates of alice's task get the very answer an unknown id gets, reach no
 * upstream, and leave a deny row.
 *
 * The call that creates the task is posted raw: the SDK v2 client (2.4) refuses a result whose
 * `resultType` is "task". The task requests go through the real v2 client (`Mcp-Name` from the id).
 */
const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
const passthrough = z.looseObject({});
/** An acknowledgement (tasks/update, tasks/cancel) is an empty result; the SDK takes `resultType`, the upstream's server info stays in `_meta`. */
const ack = ({ _meta, ...rest }: Record<string, unknown>) => rest;

describe('tasks through the gateway (new era)', () => {
  const tmp = tempDir('tasks');
  const path = join(tmp.dir, 'audit.db');
  let store: AuditStore;
  let gw: TestGateway;
  let policy: TestPolicyEngine;
  let alice: ClientV2;
  let bob: ClientV2;

  const v2 = async (token: string): Promise<ClientV2> => {
    const client = new ClientV2({ name: `tasks-${token}`, version: '1' }, { versionNegotiation: { mode: 'auto' }, capabilities: TASKS as never });
    await client.connect(new HttpTransportV2(new URL(gw.edge.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  };
  const task = (client: ClientV2, method: string, params: Record<string, unknown>) => client.request({ method, params } as never, passthrough);
  const startJob = async (label: string, token = 'token-alice') => {
    const { body } = await postModern(gw.edge.url, 'tools/call', { name: 'mk__job', arguments: { label } }, { token, capabilities: TASKS });
    return body?.result as Record<string, unknown>;
  };

  beforeAll(async () => {
    store = openAuditStore(auditConfig(path));
    // Everything is allowed but carol's tasks/cancel: an owner's request is still the policy's to decide.
    policy = new TestPolicyEngine((input) => !(input.method === 'tasks/cancel' && input.principal?.sub === 'carol'));
    gw = await startTestGateway({ config: { mcpServers: { mk: { ...fixtureCommand('modern-kitchen', 'stdio'), env: {} } } }, policy, audit: store, tasks: store.tasks });
    [alice, bob] = await Promise.all([v2('token-alice'), v2('token-bob')]);
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await gw?.close();
    await store?.close();
    tmp.cleanup();
  });

  it('offers the extension, and hands out the task under an id of its own that its owner reads and updates', async () => {
    const { body: discovered } = await postModern(gw.edge.url, 'server/discover', {}, { token: 'token-alice' });
    expect(discovered?.result.capabilities.extensions).toEqual(TASKS.extensions);

    const created = await startJob('alpha');
    expect(created).toMatchObject({ resultType: 'task', status: 'input_required' });
    const id = created.taskId as string;
    const [row] = readEvents(path, "kind = 'decision' AND method = 'tools/call'");
    const stored = await store.tasks.read(id);
    // The upstream's id never reaches the caller; the gateway keeps the pair, with the owner and the call.
    expect(stored).toMatchObject({ upstream: 'mk', owner: JSON.stringify(['https://test.invalid', 'alice']), decisionId: row!.decision_id });
    expect(stored!.upstreamTaskId).not.toBe(id);

    const polled = await task(alice, 'tasks/get', { taskId: id });
    expect(polled).toMatchObject({ taskId: id, status: 'input_required', inputRequests: { go: { method: 'elicitation/create' } } });
    expect(ack(await task(alice, 'tasks/update', { taskId: id, inputResponses: { go: { action: 'accept', content: { go: true } } } }))).toEqual({});
    expect(await task(alice, 'tasks/get', { taskId: id })).toMatchObject({ taskId: id, status: 'completed', result: { content: [{ type: 'text', text: 'job alpha done' }] } });

    // The policy saw the task on both sides and the params as they went upstream; the rows say the same.
    const input = policy.inputs.find((i) => i.method === 'tasks/update');
    expect(input?.task).toEqual({ id, server: 'mk', upstream_id: stored!.upstreamTaskId });
    expect(input?.params).toMatchObject({ taskId: stored!.upstreamTaskId, inputResponses: { go: { action: 'accept' } } });
    const rows = readEvents(path, "kind = 'decision' AND method LIKE 'tasks/%'");
    expect(rows.map((r) => [r.method, r.sub, r.decision, r.public_name, r.upstream, r.upstream_name])).toEqual([
      ['tasks/get', 'alice', 'allow', id, 'mk', stored!.upstreamTaskId],
      ['tasks/update', 'alice', 'allow', id, 'mk', stored!.upstreamTaskId],
      ['tasks/get', 'alice', 'allow', id, 'mk', stored!.upstreamTaskId],
    ]);
  });

  it('answers another principal exactly as for a task that does not exist, forwards nothing, and records the attempt', async () => {
    const id = (await startJob('beta')).taskId as string;
    const attempt = (taskId: string, method: string, extra: Record<string, unknown> = {}) =>
      task(bob, method, { taskId, ...extra }).then(
        () => 'answered',
        (error: { code?: number; message?: string }) => `${error.code} ${error.message}`,
      );
    const unknown = await attempt('no-such-task', 'tasks/get');
    expect(unknown).toMatch(/^-32602 .*Task not found/);
    expect(await attempt(id, 'tasks/get')).toBe(unknown);
    expect(await attempt(id, 'tasks/update', { inputResponses: { go: { action: 'accept', content: { go: true } } } })).toBe(unknown.replace('tasks/get', 'tasks/update'));
    expect(await attempt(id, 'tasks/cancel')).toBe(unknown.replace('tasks/get', 'tasks/cancel'));
    // bob's update and cancel reached nothing: the task still waits for its owner's answer.
    expect(await task(alice, 'tasks/get', { taskId: id })).toMatchObject({ taskId: id, status: 'input_required' });

    const denials = readEvents(path, "kind = 'decision' AND sub = 'bob'");
    expect(denials.map((r) => [r.method, r.decision, r.code, r.public_name, r.upstream])).toEqual([
      ['tasks/get', 'deny', 'TASK_NOT_FOUND', 'no-such-task', null],
      ['tasks/get', 'deny', 'TASK_NOT_FOUND', id, null],
      ['tasks/update', 'deny', 'TASK_NOT_FOUND', id, null],
      ['tasks/cancel', 'deny', 'TASK_NOT_FOUND', id, null],
    ]);
    // bob is never put to the policy for a task that is not his.
    expect(policy.inputs.filter((i) => i.principal?.sub === 'bob' && i.method.startsWith('tasks/'))).toEqual([]);
  });

  it('cancels for the owner, and lets the policy refuse an owner', async () => {
    const id = (await startJob('gamma')).taskId as string;
    expect(ack(await task(alice, 'tasks/cancel', { taskId: id }))).toEqual({});
    expect(await task(alice, 'tasks/get', { taskId: id })).toMatchObject({ taskId: id, status: 'cancelled' });

    const carol = await v2('token-carol');
    try {
      const own = (await startJob('epsilon', 'token-carol')).taskId as string;
      await expect(task(carol, 'tasks/cancel', { taskId: own })).rejects.toThrow(/Denied by policy/);
      expect(await task(carol, 'tasks/get', { taskId: own })).toMatchObject({ taskId: own, status: 'input_required' });
      const [row] = readEvents(path, "kind = 'decision' AND sub = 'carol' AND method = 'tasks/cancel'");
      expect(row).toMatchObject({ decision: 'deny', code: 'POLICY_DENIED', public_name: own, upstream: 'mk' });
    } finally {
      await carol.close();
    }
  });

  it('does not offer tasks without a store to keep their owners', async () => {
    const plain = await startTestGateway({ config: { mcpServers: { mk: { ...fixtureCommand('modern-kitchen', 'stdio'), env: {} } } } });
    try {
      const { body: discovered } = await postModern(plain.edge.url, 'server/discover', {}, { token: 'token-alice' });
      expect(discovered?.result.capabilities.extensions).toBeUndefined();
      // The caller's support for tasks is not passed on: the upstream answers at once.
      const { body } = await postModern(plain.edge.url, 'tools/call', { name: 'mk__job', arguments: { label: 'delta' } }, { token: 'token-alice', capabilities: TASKS });
      expect(body?.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'job delta done at once' }] });
      const { body: asked } = await postModern(plain.edge.url, 'tasks/get', { taskId: 'x' }, { token: 'token-alice' });
      expect(asked?.error?.code).toBe(-32601);
    } finally {
      await plain.close();
    }
  });
});
