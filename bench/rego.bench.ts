/**
 * Rego engine latency: p50/p99 µs per evaluation of a prepared query.
 *   1. RBAC in the style of OPA's docs (user -> roles -> grants; ~100 roles in data, ~1 KB input).
 *   2. A ~50-rule tool policy over tool names and arguments (deny reasons + allow).
 * Run alone: node --import tsx bench/rego.bench.ts
 */
import { compile } from '@mcp-warden/rego';

const RBAC = `package rbac
import rego.v1

default allow := false

allow if user_is_admin

allow if {
  some grant in user_is_granted
  input.action == grant.action
  input.type == grant.type
}

user_is_admin if "admin" in data.user_roles[input.user]

user_is_granted contains grant if {
  some role in data.user_roles[input.user]
  some grant in data.role_grants[role]
}
`;

function rbacData(): unknown {
  const roleGrants: Record<string, { action: string; type: string }[]> = {};
  for (let r = 0; r < 100; r++) {
    roleGrants[`role-${r}`] = ['read', 'write', 'list', 'delete'].map((action, i) => ({ action, type: `type-${(r + i) % 17}` }));
  }
  const userRoles: Record<string, string[]> = { alice: ['admin'] };
  for (let u = 0; u < 200; u++) userRoles[`user-${u}`] = [`role-${u % 100}`, `role-${(u * 7) % 100}`, `role-${(u * 13) % 100}`];
  return { user_roles: userRoles, role_grants: roleGrants };
}

const rbacInput = {
  user: 'user-42',
  action: 'write',
  type: 'type-13',
  request: {
    id: 'f4c3a1e2-9b7d-4e5f-8a6b-1c2d3e4f5a6b',
    session: 'sess-0123456789abcdef',
    transport: 'http',
    remote_addr: '127.0.0.1',
    headers: { 'user-agent': 'mcp-client/1.0', accept: 'application/json', 'x-request-id': 'abc-123-def-456' },
  },
  principal: { sub: 'user-42', iss: 'https://idp.example.com', aud: ['mcp-warden'], scopes: ['db:read', 'db:write', 'reports:read'] },
  resource: { uri: 'file:///srv/reports/2026/q3/summary.csv', server: 'fs', tags: ['finance', 'quarterly', 'internal'] },
  now: '2026-11-23T19:00:00Z',
  padding: 'x'.repeat(400),
};

function toolPolicy(): string {
  const rules: string[] = ['package tools', 'import rego.v1', '', 'default allow := false', 'allow if count(deny) == 0', ''];
  for (let i = 0; i < 48; i++) {
    rules.push(`deny contains "tool_${i}: argument limit" if {`, `  input.tool.name == "srv__tool_${i}"`, `  input.arguments.limit > ${100 + i}`, '}', '');
  }
  rules.push('deny contains "db: destructive sql" if {', '  input.tool.server == "db"', '  regex.match(`(?i)\\\\b(drop|truncate|delete)\\\\b`, input.arguments.sql)', '}', '');
  rules.push('deny contains "paths outside /srv" if {', '  some path in input.arguments.paths', '  not startswith(path, "/srv/")', '}');
  return rules.join('\n');
}

const toolInput = {
  method: 'tools/call',
  tool: { name: 'db__query', server: 'db', upstream_name: 'query' },
  arguments: { sql: 'select * from sales where region = $1', limit: 50, paths: ['/srv/a.txt', '/srv/b.txt'] },
  principal: { sub: 'alice', roles: ['analyst'] },
};

function measure(name: string, run: () => unknown, iterations = 20_000): void {
  for (let i = 0; i < 2_000; i++) run();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    run();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  const at = (q: number): string => samples[Math.min(iterations - 1, Math.floor(q * iterations))]!.toFixed(1);
  process.stdout.write(`${name.padEnd(28)} p50 ${at(0.5).padStart(7)} µs   p99 ${at(0.99).padStart(7)} µs   (${iterations} runs)\n`);
}

const rbac = compile({ 'rbac.rego': RBAC }, { data: rbacData() }).prepare('allow = data.rbac.allow');
const denied = rbac.evaluate({ input: { ...rbacInput, type: 'type-99' } });
const granted = rbac.evaluate({ input: rbacInput });
if (granted[0]?.allow !== true || denied[0]?.allow !== false) throw new Error(`RBAC bench policy gives wrong answers: ${JSON.stringify([granted, denied])}`);
measure('rbac (allow)', () => rbac.evaluate({ input: rbacInput }));
measure('rbac (deny)', () => rbac.evaluate({ input: { ...rbacInput, type: 'type-99' } }));

const tools = compile({ 'tools.rego': toolPolicy() }).prepare('allow = data.tools.allow; reasons = data.tools.deny');
if (tools.evaluate({ input: toolInput })[0]?.allow !== true) throw new Error('tool bench policy gives wrong answers');
measure('tools, 50 rules', () => tools.evaluate({ input: toolInput }));
