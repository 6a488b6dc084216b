/**
 * What tool pinning (issue 15, src/integrity/) adds to the request path. Target: <= 5 us p50 per
 * list item, nothing measurable on tools/call. In process, with a real guard over a real SQLite
 * store holding the pins of N upstream tools; the policy is an allow-all stand-in and there is no
 * authenticator, so the rows show only what pinning adds (the policy's own cost is bench/policy).
 * With and without the guard are sampled interleaved, so drift of a loaded machine hits both.
 * Also shown: the cost of pinning a definition when a listing arrives (digest + screening), which
 * is off the request path. Run alone: `node --import tsx bench/integrity.bench.ts`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { auditConfigSchema } from '../src/audit/config.ts';
import { openAuditStore } from '../src/audit/sqlite/store.ts';
import { signStatement, signingKeyId } from '../src/audit/checkpoints/statement.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import type { Item, UpstreamListing } from '../src/catalog/types.ts';
import { namespacingSchema } from '../src/config/schema.ts';
import { limitsConfigSchema } from '../src/limits/config.ts';
import { Limits } from '../src/limits/limits.ts';
import { integrityConfigSchema } from '../src/integrity/config.ts';
import { definitionOf } from '../src/integrity/digest.ts';
import { IntegrityGuard } from '../src/integrity/guard.ts';
import { screenDefinition } from '../src/integrity/screen.ts';
import type { SessionInfo } from '../src/pipeline/context.ts';
import type { PipelineDeps } from '../src/pipeline/deps.ts';
import { InFlight } from '../src/pipeline/in-flight.ts';
import { PendingInputs } from '../src/pipeline/pending-input.ts';
import { createPipeline } from '../src/pipeline/pipeline.ts';
import { policyInput } from '../src/pipeline/stages/authorize.ts';
import { resolve } from '../src/pipeline/stages/resolve.ts';
import type { PolicyEngine } from '../src/policy/contract.ts';
import type { UpstreamSet } from '../src/upstreams/upstream-set.ts';

const N = 200;
const ROUNDS = 400;
const quiet = pino({ level: 'silent' });

const tools: Item[] = Array.from({ length: N }, (_, i) => ({
  name: `tool_${i}`,
  description: `Tool ${i}: reads rows of table t${i} and returns them as JSON; never writes.`,
  inputSchema: { type: 'object', properties: { limit: { type: 'number', description: 'rows at most' }, filter: { type: 'string' } }, required: ['limit'] },
  annotations: { readOnlyHint: true },
}));
const listing: UpstreamListing = { tools, prompts: [], resources: [], resourceTemplates: [] };

const allow: PolicyEngine = { name: 'allow-all', revision: 'bench', evaluate: async () => ({ allow: true, reasons: [], decisionId: 'd', revision: 'bench' }), close: async () => {} };
const session: SessionInfo = { id: 's', transport: 'http', protocolVersion: '2026-07-28', channel: { request: async () => ({}) } };

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-integrity-'));
const store = openAuditStore(auditConfigSchema.parse({ path: join(dir, 'audit.db') }), { logger: quiet });
try {
  const guard = new IntegrityGuard({ config: integrityConfigSchema.parse({}), pins: store.pins, audit: store, log: quiet, onChange: () => undefined });
  await guard.load();
  guard.observe('db', listing);
  await guard.settled();
  const catalog = new Catalog(['db'], namespacingSchema.parse({}));
  catalog.setListing('db', listing);

  const base: PipelineDeps = {
    authenticator: { mode: 'disabled', authenticate: async () => undefined, close: async () => {} },
    policy: allow, audit: { recordDecision: async () => {}, recordOutcome: async () => {}, recordShown: async () => {} }, catalog, upstreams: { get: () => undefined } as unknown as UpstreamSet,
    requestState: { sealer: { seal: () => '', open: () => undefined }, ttlMs: 0, pending: new PendingInputs({ max: 1, ttlMs: 1 }) },
    clock: { now: Date.now }, log: quiet, inFlight: new InFlight(), pageSize: 1000, composites: new Map(), requiredScopes: [], limits: new Limits(limitsConfigSchema.parse({}), () => 64),
  };
  const pinned: PipelineDeps = { ...base, integrity: guard };
  const plain = createPipeline(base);
  const guarded = createPipeline(pinned);
  // Pinning and the shown row (its commit to the real SQLite store included, names stored once).
  const recorded = createPipeline({ ...pinned, audit: store });
  const listOnce = (pipeline: typeof plain) => pipeline.list({ kind: 'tools/list', cursor: undefined, session, requestId: 1, token: undefined });
  if ((await listOnce(guarded)).items.length !== N) throw new Error('every pinned tool should be listed');

  const call = { method: 'tools/call' as const, params: { name: 'db__tool_7', arguments: { limit: 5 } }, session, requestId: 1, token: undefined, signal: new AbortController().signal, principal: undefined, startedAt: 0 };
  const callPath = (deps: PipelineDeps) => {
    const resolved = resolve(call, deps);
    return policyInput(resolved, 'tools/call', resolved.target, 0, call.params.arguments);
  };
  if (callPath(pinned).tool?.approved !== true) throw new Error('the call should see approved: true');

  const time = async (run: () => unknown): Promise<number> => {
    const start = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - start) / 1000;
  };
  const samples = { listPlain: [] as number[], listPinned: [] as number[], listRecorded: [] as number[], listPinnedPaired: [] as number[], callPlain: [] as number[], callPinned: [] as number[] };
  for (let round = 0; round < ROUNDS + 50; round++) {
    const keep = round >= 50; // warm-up
    const order = Math.random() < 0.5;
    const lp = await time(() => listOnce(order ? plain : guarded));
    const lq = await time(() => listOnce(order ? guarded : plain));
    // A call's part is a few hundred ns: 1,000 per sample, so the timer's own cost does not dominate.
    const cp = await time(() => { for (let i = 0; i < 1000; i++) callPath(order ? base : pinned); });
    const cq = await time(() => { for (let i = 0; i < 1000; i++) callPath(order ? pinned : base); });
    if (!keep) continue;
    samples.listPlain.push(order ? lp : lq);
    samples.listPinned.push(order ? lq : lp);
    samples.callPlain.push((order ? cp : cq) / 1000);
    samples.callPinned.push((order ? cq : cp) / 1000);
  }
  // Apart from the loop above: its call loops block the event loop for tens of ms, and the
  // store's timers (indexer, checkpoints) then land inside the next list, a cost of the bench.
  for (let round = 0; round < ROUNDS + 50; round++) {
    const pinnedFirst = Math.random() < 0.5;
    const a = await time(() => listOnce(pinnedFirst ? guarded : recorded));
    const b = await time(() => listOnce(pinnedFirst ? recorded : guarded));
    if (round < 50) continue;
    samples.listRecorded.push(pinnedFirst ? b : a);
    samples.listPinnedPaired.push(pinnedFirst ? a : b);
  }
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const pinStart = process.hrtime.bigint();
  for (const tool of tools) screenDefinition(definitionOf('tool', tool).fields);
  const pinCost = Number(process.hrtime.bigint() - pinStart) / 1000 / N;

  // A signed checkpoint (audit.checkpoint): what one costs, on the event loop after a commit, never in a call.
  const signer = generateKeyPairSync('ed25519').privateKey;
  const signStart = process.hrtime.bigint();
  const signerId = signingKeyId(signer);
  for (let i = 0; i < 1000; i++) signStatement({ v: 1, replica: null, seq: i, hash: 'a'.repeat(64), time: new Date().toISOString(), key_id: signerId }, signer);
  const signCost = Number(process.hrtime.bigint() - signStart) / 1000 / 1000;

  const rows: Array<[string, string]> = [
    [`tools/list of ${N} items, p50 without / with pinning`, `${p50(samples.listPlain).toFixed(0)} / ${p50(samples.listPinned).toFixed(0)} us`],
    ['added per list item (p50 difference / N)', `${((p50(samples.listPinned) - p50(samples.listPlain)) / N).toFixed(3)} us`],
    [`tools/list of ${N} items, p50 with pinning, without / with its shown row committed`, `${p50(samples.listPinnedPaired).toFixed(0)} / ${p50(samples.listRecorded).toFixed(0)} us`],
    ['the shown row, added per list item (p50 difference / N)', `${((p50(samples.listRecorded) - p50(samples.listPinnedPaired)) / N).toFixed(3)} us`],
    ['tools/call: resolve + policy input, p50 without / with', `${p50(samples.callPlain).toFixed(3)} / ${p50(samples.callPinned).toFixed(3)} us`],
    ['signing one checkpoint (key id + Ed25519 + canonical JSON; after a commit, off the call path)', `${signCost.toFixed(1)} us`],
    ['pinning one definition when a listing arrives (digest + screening; off the request path)', `${pinCost.toFixed(1)} us`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`${'what'.padEnd(width)}  result\n${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
