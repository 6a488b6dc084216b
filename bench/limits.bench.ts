/**
 * What the limits cost. (1) The check alone: `Limits.admit` + release as the limit stage runs it,
 * with the default limits (no rate rules: the two concurrency slots only) and with ten rate rules
 * of which two match, against an empty async step. (2) A whole call in process, through the real
 * pipeline with a SQLite audit trail and a stdio upstream: an allowed call against one a rate
 * rule refuses, interleaved (A, B, A, B) so load from elsewhere hits both. A refused call still
 * pays authentication, resolution, the policy and a committed deny row, but no upstream round
 * trip and no outcome row. Run alone: `node --import tsx bench/limits.bench.ts [--json]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditConfigSchema } from '../src/audit/config.ts';
import { openAuditStore } from '../src/audit/index.ts';
import { limitsConfigSchema } from '../src/limits/config.ts';
import { Limits, type RateSubject } from '../src/limits/limits.ts';
import { createLogger } from '../src/log.ts';
import type { SessionInfo } from '../src/pipeline/context.ts';
import { relayServer } from '../testkit/fixtures/spawn.ts';
import { startTestGateway } from '../testkit/support/gateway.ts';
import { measureInterleaved } from './gateway-measure.ts';

const json = process.argv.includes('--json');
const CHECKS = 200_000;
const subject: RateSubject = { principalKey: 'https://idp alice', sub: 'alice', roles: ['analyst'], tool: 'db__query', upstream: 'db' };
const signal = new AbortController().signal;

/** Mean µs per admit + release over CHECKS sequential checks (each awaited, as the stage does). */
async function checkCost(limits: Limits | undefined): Promise<number> {
  let now = 0;
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      if (limits === undefined) await Promise.resolve();
      else (await limits.admit(subject, ++now, signal))();
    }
  };
  await run(CHECKS / 4);
  const start = process.hrtime.bigint();
  await run(CHECKS);
  return Number(process.hrtime.bigint() - start) / 1000 / CHECKS;
}

const tenRules = limitsConfigSchema.parse({
  rate: [
    ...Array.from({ length: 8 }, (_, i) => ({ match: { tool: `other${i}__*` }, rate: 1e6, burst: 1e6 })),
    { match: { role: 'analyst' }, rate: 1e6, burst: 1e6 },
    { match: { tool: 'db__*', upstream: 'db' }, rate: 1e6, burst: 1e6, per: 'rule' },
  ],
});
const check = {
  'empty async step (baseline)': await checkCost(undefined),
  'default limits (2 slots, no rules)': await checkCost(new Limits(limitsConfigSchema.parse({}), () => 64)),
  '10 rate rules, 2 match, + 2 slots': await checkCost(new Limits(tenRules, () => 64)),
};

// (2) Whole calls, in process: the gateway's pipeline with a real SQLite audit trail.
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-limits-'));
const audit = openAuditStore(auditConfigSchema.parse({ path: join(dir, 'audit.db') }), { logger: createLogger('silent') });
const gw = await startTestGateway({
  config: {
    mcpServers: { db: relayServer('db') },
    // `limited` gets one call per ~17 minutes: after the first, every call of theirs is refused.
    limits: { rate: [{ name: 'limited', match: { principal: 'limited' }, rate: 0.001, burst: 1 }] },
  },
  audit,
});
const session: SessionInfo = { id: 'bench', transport: 'stdio', protocolVersion: '2025-11-25', channel: { request: () => Promise.reject(new Error('no client')) } };
let id = 0;
const call = (token: string) => () =>
  gw.gateway.pipeline.call({ method: 'tools/call', params: { name: 'db__echo', arguments: { message: 'hello' } }, session, requestId: ++id, token, signal });
const refused = async () => {
  try {
    await call('token-limited')();
  } catch (error) {
    if ((error as { code?: string }).code === 'RATE_LIMITED') return;
    throw error;
  }
  throw new Error('the over-limit call was admitted');
};
await call('token-limited')();
const whole = await measureInterleaved({ 'allowed call': call('token-alice'), 'refused (RATE_LIMITED)': refused }, { warmup: 1_000, samples: 3_000, concurrency: 1, rounds: 6 });
await gw.close();
await audit.close();
rmSync(dir, { recursive: true, force: true });

if (json) {
  process.stdout.write(`${JSON.stringify({ check_us: check, whole }, null, 2)}\n`);
} else {
  const allowedP50 = whole['allowed call'].p50_us;
  process.stdout.write(`\nThe check alone, mean over ${CHECKS} sequential checks:\n\n| step | µs per call | share of an allowed call's p50 |\n|---|---|---|\n`);
  for (const [name, us] of Object.entries(check)) process.stdout.write(`| ${name} | ${us.toFixed(2)} | ${((us / allowedP50) * 100).toFixed(2)} % |\n`);
  process.stdout.write(`\nWhole calls in process (real pipeline, SQLite audit, stdio upstream), sequential, interleaved:\n\n| call | p50 µs | p99 µs | calls/s | errors |\n|---|---|---|---|---|\n`);
  for (const [name, m] of Object.entries(whole)) process.stdout.write(`| ${name} | ${m.p50_us} | ${m.p99_us} | ${m.calls_per_s} | ${m.errors} |\n`);
  const ratio = whole['refused (RATE_LIMITED)'].p50_us / allowedP50;
  process.stdout.write(`\nA refused call costs ${(ratio * 100).toFixed(0)} % of an allowed one (p50).\n`);
}
