import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/auth/principal.ts';
import { loadPolicySet } from '../../../src/policy/index.ts';
import { runTests } from '@mcp-warden/rego';
import { buildPolicyInput, createPolicyEngine, policyConfigSchema, type PolicyRequest, type ReloadablePolicyEngine } from '../../../src/policy/index.ts';

/**
 * The default policy set (policies/) as the example deployment uses it: its own *_test.rego
 * rules through the `warden policy test` runner, and decisions through the real engine for
 * inputs built by the real input builder.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('default policies - their own Rego tests (warden policy test policies/)', () => {
  it('pass, and every module has tests', async () => {
    const { modules, data } = await loadPolicySet([join(root, 'policies')], root, { tests: true, dataFiles: 'all' });
    const report = runTests(modules, data);
    const notPassing = report.results.filter((result) => result.outcome !== 'pass').map((result) => `${result.name}: ${result.outcome} ${result.error?.message ?? ''}`);
    expect(notPassing).toEqual([]);
    expect(report.passed).toBeGreaterThan(20);
    const tested = new Set(report.results.map((result) => result.location.file.replace(/_test\.rego$/, '.rego')));
    expect(Object.keys(modules).filter((name) => !name.endsWith('_test.rego') && !tested.has(name))).toEqual([]);
  });
});

const quiet = pino({ level: 'silent' });
const now = new Date('2026-11-23T19:00:00Z');
const session = { id: '1', session: 's-1', transport: 'http' as const, protocol_version: '2025-11-25' };

function caller(roles: string[]): Principal {
  return { sub: 'alice', iss: 'https://idp.example.com', aud: ['mcp-warden'], scopes: [], roles, claims: { sub: 'alice', roles }, expiresAt: 2_000_000_000, tokenId: 't' };
}

function tool(method: string, server: string, name: string, args?: Record<string, unknown>, workflow?: PolicyRequest['workflow']): PolicyRequest {
  return { method, tool: { name: `${server}__${name}`, server, upstream_name: name }, ...(args && { arguments: args }), ...(workflow && { workflow }), request: session };
}

describe('default policies - decisions of the example deployment', () => {
  let engine: ReloadablePolicyEngine;
  beforeAll(async () => {
    engine = await createPolicyEngine(policyConfigSchema.parse({ engine: 'rego', paths: ['policies'], watch: false, eval_timeout_ms: 10_000 }), { baseDir: root, logger: quiet });
  });
  afterAll(() => engine.close());

  const decide = (roles: string[] | undefined, request: PolicyRequest) => engine.evaluate(buildPolicyInput(roles && caller(roles), request, now));

  it('shows an analyst the db, analytics and send_email tools and the weekly report, not list_outbox', async () => {
    const visible = [];
    for (const [server, name] of [['db', 'get_sales'], ['db', 'query'], ['analytics', 'generate_report'], ['comms', 'send_email'], ['comms', 'list_outbox'], ['warden', 'weekly_sales_report']] as const) {
      if ((await decide(['analyst'], tool('tools/list', server, name))).allow) visible.push(`${server}/${name}`);
    }
    expect(visible).toEqual(['db/get_sales', 'db/query', 'analytics/generate_report', 'comms/send_email', 'warden/weekly_sales_report']);
  });

  it('lets an analyst run the weekly report steps, mailing the sales address from inside the workflow', async () => {
    const workflow = { name: 'weekly_sales_report', step: 'mail' };
    expect(await decide(['analyst'], tool('tools/call', 'comms', 'send_email', { to: 'sales@example.com', subject: 's', body: 'b' }, workflow))).toMatchObject({ allow: true });
  });

  it('denies an analyst mail outside the workflow with the reason from the comms package', async () => {
    expect(await decide(['analyst'], tool('tools/call', 'comms', 'send_email', { to: 'sales@example.com', subject: 's', body: 'b' }))).toMatchObject({
      allow: false,
      code: 'POLICY_DENIED',
      reasons: ['your role may send e-mail only inside the workflows weekly_sales_report'],
    });
  });

  it('denies a writing query with the reason from the db package', async () => {
    expect(await decide(['ops'], tool('tools/call', 'db', 'query', { sql: 'DELETE FROM sales' }))).toMatchObject({
      allow: false,
      code: 'POLICY_DENIED',
      reasons: ['query accepts exactly one read-only SELECT statement'],
    });
  });

  it('denies a caller without a principal, and tools of upstreams no role names', async () => {
    expect(await decide(undefined, tool('tools/list', 'db', 'get_sales'))).toMatchObject({ allow: false, reasons: ['no authenticated principal'] });
    expect(await decide(['ops'], tool('tools/list', 'fs', 'read_file'))).toMatchObject({ allow: false, reasons: ['no role of alice grants tool read_file of fs'] });
  });

  it('lets an admin do anything the server packages allow', async () => {
    expect(await decide(['admin'], tool('tools/call', 'comms', 'list_outbox', {}))).toMatchObject({ allow: true, reasons: [] });
    expect(await decide(['admin'], tool('tools/call', 'comms', 'send_email', { to: 'eve@evil.com', subject: 's', body: 'b' }))).toMatchObject({ allow: false, reasons: ['send_email may only write to addresses @example.com'] });
  });
});
