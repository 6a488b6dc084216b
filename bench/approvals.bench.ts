/**
 * What approvals (issue 15) add to a `tools/call` that needs none. Target: nothing measurable.
 * The one new piece of work on that path is the rego backend's second fast-path query: after
 * `<entrypoint>.allow` is true, `<entrypoint>.approval` is asked in the same evaluation
 * (src/policy/rego-backend.ts); the pipeline only tests `decision.approval === undefined` twice.
 * Measured on the default policies (which define no `approval`) and the example's allowed
 * `db/query` call: the evaluation as it was (allow only) against as it is (allow, then approval),
 * interleaved, 1,000 evaluations per sample. Also shown: the same with a policy whose `approval`
 * rule exists and is false for this call. Run alone: `node --import tsx bench/approvals.bench.ts`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '@mcp-warden/rego';
import type { Principal } from '../src/auth/principal.ts';
import { buildPolicyInput } from '../src/policy/input.ts';
import { loadPolicySet } from '../src/policy/policy-set-files.ts';

const ROUNDS = 300;
const PER_SAMPLE = 1_000;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const analyst: Principal = { sub: 'alice', iss: 'https://idp.example.com', aud: ['mcp-warden'], scopes: ['db:read'], roles: ['analyst'], claims: { sub: 'alice', roles: ['analyst'] }, expiresAt: 2_000_000_000, tokenId: 'bench' };
const input = buildPolicyInput(
  analyst,
  {
    method: 'tools/call',
    tool: { name: 'db__query', server: 'db', upstream_name: 'query' },
    arguments: { sql: 'SELECT product, sum(units) FROM sales GROUP BY product' },
    request: { id: '1', session: 'bench', transport: 'http', protocol_version: '2026-07-28', remote_addr: '127.0.0.1' },
  },
  new Date('2026-11-23T19:00:00Z'),
);

const { modules, data } = await loadPolicySet(['policies'], root, { tests: false, dataFiles: 'all' });
const withRule = { ...modules, 'approval.rego': 'package mcp.authz\n\napproval := {"required": true, "reason": "writes"} if input.tool.upstream_name == "write"\n' };

function paths(sources: Record<string, string>) {
  const set = compile(sources, { data });
  const allow = set.prepare('allow = data.mcp.authz.allow');
  const approval = set.prepare('approval = data.mcp.authz.approval');
  const before = () => set.evaluation({ input }).evaluate(allow)[0]?.allow === true;
  const after = () => {
    const evaluation = set.evaluation({ input });
    if (evaluation.evaluate(allow)[0]?.allow !== true) return false;
    return evaluation.evaluate(approval)[0]?.approval === undefined;
  };
  if (!before() || !after()) throw new Error('the call should be allowed, without an approval');
  return { before, after };
}

const time = (run: () => unknown): number => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_SAMPLE; i++) run();
  return Number(process.hrtime.bigint() - start) / 1000 / PER_SAMPLE;
};
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const rows: Array<[string, string]> = [];
for (const [name, sources] of [['default policies (no approval rule)', modules], ['default policies + an approval rule, false here', withRule]] as const) {
  const { before, after } = paths(sources);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < ROUNDS + 30; round++) {
    const first = Math.random() < 0.5;
    const x = time(first ? before : after);
    const y = time(first ? after : before);
    if (round < 30) continue; // warm-up
    a.push(first ? x : y);
    b.push(first ? y : x);
  }
  rows.push([`${name}: allowed db/query, p50 allow only / allow + approval`, `${p50(a).toFixed(2)} / ${p50(b).toFixed(2)} us (+${(p50(b) - p50(a)).toFixed(2)} us)`]);
}
const width = Math.max(...rows.map(([name]) => name.length));
process.stdout.write(`${'what'.padEnd(width)}  result\n${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n`);
