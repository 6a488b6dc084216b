import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, waitForDecisionRow } from '../../../testkit/support/audit.ts';
import { expectNothingForwarded, seen, TRANSPORTS, startWorld, waitForCatalog, type World } from '../../../testkit/support/worlds/security.ts';
import { openCaller, type Caller } from '../../../testkit/support/rpc.ts';

/**
 * Authorization through the real gateway process and the real Rego engine over
 * support/policy.rego (only alice is allowed anything), with three kitchen-sink upstreams (stdio,
 * Streamable HTTP, legacy SSE). Every refusal also shows that no upstream received the request
 * and that the audit trail holds a deny decision row and no outcome row.
 */
let world: World;
let alice: Caller;
let bob: Caller;

beforeAll(async () => {
  world = await startWorld();
  alice = await openCaller(world.gateway.url, await world.token());
  bob = await openCaller(world.gateway.url, await world.token({ sub: 'bob' }));
  await waitForCatalog(alice, TRANSPORTS.map((t) => `${t}__echo`));
});
afterAll(() => world?.close());

/** The denial's audit rows: one deny decision (with `code`), no outcome. */
async function expectDenyRow(decisionId: string, code: string, sub: string) {
  const rows = await waitForDecisionRow(world.dir.audit, decisionId);
  expect(rows.decision).toMatchObject({ kind: 'decision', decision: 'deny', code, sub });
  expect(rows.outcomes).toEqual([]);
}

/**
 * The newest decision row of `sub` for `method` (hidden-item denials carry no decisionId to the
 * caller), after checking that no outcome row belongs to it.
 */
function lastDecision(sub: string, method: string) {
  return lastDecisions(sub, method, 1)[0];
}

/** The last `count` decision rows of `sub` for `method`, oldest first; none of them has an outcome. */
function lastDecisions(sub: string, method: string, count: number) {
  const rows = auditRows(world.dir.audit);
  const decisions = rows.filter((row) => row.kind === 'decision' && row.sub === sub && row.method === method).slice(-count);
  const ids = new Set(decisions.map((d) => d.decision_id));
  expect(rows.filter((row) => row.kind === 'outcome' && ids.has(row.decision_id)), `outcome rows of the ${method} decisions`).toEqual([]);
  return decisions;
}

describe.each(TRANSPORTS)('policy outcomes over the %s upstream', (transport) => {
  const tool = (name: string) => `${transport}__${name}`;

  it('[authz:allowed-forwarded] an allowed call reaches the upstream exactly once (the denials below could fail)', async () => {
    const before = world.upstreams.calls(transport);
    const response = await alice.send('tools/call', { name: tool('echo'), arguments: { message: 'hello' } });
    expect(response.body?.result).toEqual({ content: [{ type: 'text', text: 'hello' }] });
    expect(world.upstreams.calls(transport)).toBe(before + 1);
  });

  const outcomes: Array<[string, string, string, string[]]> = [
    ['[fail-closed:policy-undefined] an undefined decision', 'filler_01', 'POLICY_UNDEFINED', ['the policy produced no decision']],
    ['[fail-closed:non-boolean-allow] allow = "yes"', 'filler_02', 'POLICY_ERROR', ['allow must be a boolean, got the string "yes"']],
    ['[fail-closed:policy-error] a conflicting (erroring) policy', 'filler_03', 'POLICY_ERROR', ['policy evaluation failed']],
    ['[authz:argument-rule] an argument rule on a visible tool', 'echo', 'POLICY_DENIED', ['echo must not repeat secrets']],
  ];
  it.each(outcomes)('%s denies with its code, reasons and decisionId; audited deny; nothing forwarded [audit:before-forward]', async (_title, name, code, reasons) => {
    const before = seen(world);
    const { body } = await alice.send('tools/call', { name: tool(name), arguments: { message: 'my secret' } });
    expect(body?.error).toMatchObject({ code: -32004, data: { code, reasons } });
    expect(body?.error?.message).toMatch(code === 'POLICY_DENIED' ? /^Denied by policy: / : /^Denied: /);
    expect(body?.error?.data.decisionId).toMatch(/^[0-9a-f-]{36}$/);
    await expectDenyRow(body!.error!.data.decisionId as string, code, 'alice');
    expectNothingForwarded(world, before, 1);
  });

  it.each([['an array', ['my secret']], ['a string', 'my secret'], ['null', null], ['a number', 7]])(
    '[authz:arguments-as-judged] arguments that are %s (which an argument rule cannot judge) are refused with -32602, never forwarded',
    async (_kind, args) => {
      const before = seen(world);
      const { body } = await alice.send('tools/call', { name: tool('echo'), arguments: args });
      expect(body?.error).toEqual({ code: -32602, message: 'params.arguments: expected an object', data: { code: 'REQUEST_INVALID', field: 'arguments' } });
      expectNothingForwarded(world, before);
    },
  );

  it('[visibility:hidden-equals-unknown] a hidden tool answers exactly like an unknown one, and is not forwarded', async () => {
    const before = seen(world);
    const hidden = (await alice.send('tools/call', { name: tool('fail'), arguments: {} })).body;
    const unknown = (await alice.send('tools/call', { name: tool('fai1'), arguments: {} })).body;
    expect(hidden?.error).toEqual({ code: -32602, message: `Unknown tool: ${tool('fail')}`, data: { code: 'TOOL_NOT_FOUND', name: tool('fail') } });
    // Identical but for the name the caller typed.
    expect(JSON.parse(JSON.stringify(unknown?.error).replaceAll('fai1', 'fail'))).toEqual(hidden?.error);
    // Both are recorded as denials (the unknown one with the not-found code): equal work, equal time.
    expect(lastDecisions('alice', 'tools/call', 2)).toMatchObject([{ decision: 'deny', public_name: tool('fail') }, { decision: 'deny', public_name: tool('fai1'), code: 'TOOL_NOT_FOUND' }]);
    expectNothingForwarded(world, before, 2);
  });

  it('[visibility:hidden-equals-unknown] a hidden prompt answers exactly like an unknown one, and is not forwarded', async () => {
    const before = seen(world);
    const hidden = (await alice.send('prompts/get', { name: tool('plain') })).body;
    const unknown = (await alice.send('prompts/get', { name: tool('plainx') })).body;
    expect(hidden?.error).toEqual({ code: -32602, message: `Unknown prompt: ${tool('plain')}`, data: { code: 'PROMPT_NOT_FOUND', name: tool('plain') } });
    expect(JSON.parse(JSON.stringify(unknown?.error).replaceAll('plainx', 'plain'))).toEqual(hidden?.error);
    expect(lastDecisions('alice', 'prompts/get', 2)).toMatchObject([{ decision: 'deny', public_name: tool('plain') }, { decision: 'deny', public_name: tool('plainx'), code: 'PROMPT_NOT_FOUND' }]);
    expectNothingForwarded(world, before, 2);
  });

  it('[visibility:lists-filtered] tools/list and prompts/list are filtered per caller', async () => {
    const names = (items: Array<Record<string, unknown>>) => items.map((item) => item.name as string);
    const aliceTools = names(await alice.list('tools/list', 'tools'));
    expect(aliceTools).toEqual(expect.arrayContaining([tool('echo'), tool('add'), tool('filler_01')]));
    expect(aliceTools).not.toContain(tool('fail'));
    const alicePrompts = names(await alice.list('prompts/list', 'prompts'));
    expect(alicePrompts).toContain(tool('greet'));
    expect(alicePrompts).not.toContain(tool('plain'));
    expect(await bob.list('tools/list', 'tools')).toEqual([]);
    expect(await bob.list('prompts/list', 'prompts')).toEqual([]);
  });

  it('[authz:every-method] a caller the policy denies gets nothing from any method on this upstream, and nothing is forwarded', async () => {
    const before = seen(world);
    const requests: Array<[string, Record<string, unknown>, number, string]> = [
      ['tools/call', { name: tool('echo'), arguments: { message: 'hi' } }, -32602, 'TOOL_NOT_FOUND'],
      ['prompts/get', { name: tool('greet'), arguments: { name: 'bob' } }, -32602, 'PROMPT_NOT_FOUND'],
      ['completion/complete', { ref: { type: 'ref/prompt', name: tool('greet') }, argument: { name: 'name', value: 'al' } }, -32602, 'PROMPT_NOT_FOUND'],
    ];
    for (const [method, params, code, dataCode] of requests) {
      const allowed = await alice.send(method, params);
      expect(allowed.body?.result, `${method} for alice`).toBeDefined();
      const beforeBob = seen(world);
      const { body } = await bob.send(method, params);
      expect(body?.error, method).toMatchObject({ code, data: { code: dataCode } });
      expect(lastDecision('bob', method), method).toMatchObject({ decision: 'deny' });
      expectNothingForwarded(world, beforeBob, 1);
    }
    expect(seen(world).decisions).toBeGreaterThan(before.decisions);
  });
});

describe('resources (one URI space: the first upstream that offers a URI serves it)', () => {
  it('[visibility:lists-filtered] resources/list and resources/templates/list are filtered per caller', async () => {
    const uris = (await alice.list('resources/list', 'resources')).map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(['kitchen://static/hello', 'kitchen://counter']));
    expect(uris).not.toContain('kitchen://static/blob');
    expect((await alice.list('resources/templates/list', 'resourceTemplates')).map((t) => t.uriTemplate)).toEqual(['kitchen://items/{id}']);
    expect(await bob.list('resources/list', 'resources')).toEqual([]);
    expect(await bob.list('resources/templates/list', 'resourceTemplates')).toEqual([]);
  });

  it('[visibility:hidden-equals-unknown] a hidden resource reads exactly like an unknown one', async () => {
    const before = seen(world);
    const hidden = (await alice.send('resources/read', { uri: 'kitchen://static/blob' })).body;
    const unknown = (await alice.send('resources/read', { uri: 'kitchen://static/blobx' })).body;
    expect(hidden?.error).toEqual({ code: -32002, message: 'Resource not found: kitchen://static/blob', data: { code: 'RESOURCE_NOT_FOUND', uri: 'kitchen://static/blob' } });
    expect(JSON.parse(JSON.stringify(unknown?.error).replaceAll('blobx', 'blob'))).toEqual(hidden?.error);
    expect(lastDecisions('alice', 'resources/read', 2)).toMatchObject([{ decision: 'deny', public_name: 'kitchen://static/blob' }, { decision: 'deny', public_name: 'kitchen://static/blobx', code: 'RESOURCE_NOT_FOUND' }]);
    expectNothingForwarded(world, before, 2);
  });

  it('[authz:every-method] resources/read, resources/subscribe and completion of a template are authorized per caller', async () => {
    const requests: Array<[string, Record<string, unknown>]> = [
      ['resources/read', { uri: 'kitchen://static/hello' }],
      ['resources/subscribe', { uri: 'kitchen://counter' }],
      ['completion/complete', { ref: { type: 'ref/resource', uri: 'kitchen://items/{id}' }, argument: { name: 'id', value: '1' } }],
    ];
    for (const [method, params] of requests) {
      expect((await alice.send(method, params)).body?.result, `${method} for alice`).toBeDefined();
      const before = seen(world);
      const { body } = await bob.send(method, params);
      expect(body?.error, method).toMatchObject({ code: -32002, data: { code: 'RESOURCE_NOT_FOUND' } });
      expect(lastDecision('bob', method), method).toMatchObject({ decision: 'deny' });
      expectNothingForwarded(world, before, 1);
    }
  });

  it('[authz:every-method] resources/unsubscribe of a subscription the session never made is a local no-op ({}, no decision, nothing forwarded)', async () => {
    const before = seen(world);
    expect((await bob.send('resources/unsubscribe', { uri: 'kitchen://counter' })).body?.result).toEqual({});
    expectNothingForwarded(world, before, 0);
  });
});

describe('audit', () => {
  it.each(['http', 'sse'] as const)('[audit:before-forward] when the %s upstream receives an allowed call, its allow decision row is already committed', async (transport) => {
    const proxy = world.upstreams.proxies[transport];
    const allows = (rows: ReturnType<typeof auditRows>) => rows.filter((r) => r.kind === 'decision' && r.decision === 'allow' && r.public_name === `${transport}__echo`);
    const prior = allows(auditRows(world.dir.audit)).length;
    const atArrival: Array<ReturnType<typeof auditRows>> = [];
    proxy.onReceive = (request) => {
      if (request.body.includes('"tools/call"')) atArrival.push(auditRows(world.dir.audit));
    };
    try {
      const { body } = await alice.send('tools/call', { name: `${transport}__echo`, arguments: { message: 'audited' } });
      expect(body?.result).toEqual({ content: [{ type: 'text', text: 'audited' }] });
    } finally {
      proxy.onReceive = undefined;
    }
    expect(atArrival).toHaveLength(1);
    // This call's row is there: one more allow row than before the call.
    expect(allows(atArrival[0]!)).toHaveLength(prior + 1);
    const decision = allows(atArrival[0]!).at(-1);
    expect(decision).toMatchObject({ sub: 'alice', method: 'tools/call' });
    // ...and its outcome row could not exist yet: it is written after the answer.
    expect(atArrival[0]!.filter((r) => r.kind === 'outcome' && r.decision_id === decision!.decision_id)).toEqual([]);
  });
});

describe('methods', () => {
  it('[authz:every-method] logging/setLevel is authorized too: bob is denied, alice is not', async () => {
    expect((await alice.send('logging/setLevel', { level: 'info' })).body?.result).toEqual({});
    const { body } = await bob.send('logging/setLevel', { level: 'debug' });
    expect(body?.error).toMatchObject({ code: -32004, data: { code: 'POLICY_DENIED' } });
  });

  it('[audit:set-level] a level change leaves a decision row like a call: allowed with its outcome, denied without', async () => {
    expect((await alice.send('logging/setLevel', { level: 'warning' })).body?.result).toEqual({});
    const denied = await bob.send('logging/setLevel', { level: 'debug' });
    const deniedRows = await waitForDecisionRow(world.dir.audit, denied.body?.error?.data.decisionId);
    expect(deniedRows.decision).toMatchObject({ method: 'logging/setLevel', sub: 'bob', decision: 'deny', code: 'POLICY_DENIED', public_name: null });
    expect(JSON.parse(deniedRows.decision!.data)).toMatchObject({ arguments: { level: 'debug' } });
    expect(deniedRows.outcomes).toEqual([]);

    const allowed = auditRows(world.dir.audit).filter((row) => row.kind === 'decision' && row.sub === 'alice' && row.method === 'logging/setLevel').at(-1)!;
    expect(allowed).toMatchObject({ decision: 'allow', code: null });
    expect(JSON.parse(allowed.data)).toMatchObject({ arguments: { level: 'warning' } });
    const { outcomes } = await waitForDecisionRow(world.dir.audit, allowed.decision_id!, (rows) => rows.outcomes.length > 0);
    expect(outcomes).toMatchObject([{ kind: 'outcome', outcome: 'ok' }]);
  });

  it('[authz:unknown-method] an unknown method answers -32601 and nothing is forwarded', async () => {
    const before = seen(world);
    const { body } = await alice.send('tools/execute', { name: 'http__echo', arguments: { message: 'hi' } });
    expect(body?.error).toEqual({ code: -32601, message: 'Method not found: tools/execute', data: { code: 'METHOD_NOT_FOUND' } });
    expectNothingForwarded(world, before);
  });
});
