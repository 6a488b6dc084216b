import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/auth/principal.ts';
import { buildPolicyInput, createPolicyEngine, policyConfigSchema, type PolicyEngineOptions, type PolicyReloadEvent, type ReloadablePolicyEngine } from '../../../src/policy/index.ts';
import { isWardenError } from '../../../src/errors.ts';

/**
 * The behaviour every PolicyEngine backend must show, run once per backend (rego-engine.test.ts,
 * wasm-engine.test.ts) over the same fixed policy: testkit/fixtures/wasm/contract-policy.rego, which
 * the wasm backend runs as the hand-written contract-policy.wat.
 */
export interface ContractBackend {
  engine: 'rego' | 'wasm';
  /** Writes the contract policy set into `dir` with these admin roles; returns `policy.paths`. */
  writeSet(dir: string, adminRoles: string[]): Promise<string[]>;
  /** Replaces the set in `dir` by a broken one; returns what the load error must say. */
  breakSet(dir: string): Promise<RegExp>;
}

/** A decision id is a UUID version 7 (policy/decision-id.ts). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const quiet = pino({ level: 'silent' });

function principal(roles: string[]): Principal {
  return { sub: 'alice', iss: 'https://idp.example.com', aud: ['mcp-warden'], scopes: [], roles, claims: { sub: 'alice', roles }, expiresAt: 2_000_000_000, tokenId: 'jti-1' };
}

export function input(method: string, roles?: string[]) {
  return buildPolicyInput(
    roles === undefined ? undefined : principal(roles),
    {
      method,
      tool: { name: 'db__query', server: 'db', upstream_name: 'query' },
      arguments: { sql: 'select 1' },
      request: { id: '1', session: 's-1', transport: 'stdio', protocol_version: '2025-11-25' },
    },
    new Date('2026-11-23T19:00:00Z'),
  );
}

export function policyEngineContract(backend: ContractBackend): void {
  describe(`${backend.engine} backend - engine contract`, () => {
    let dir: string;
    const engines: ReloadablePolicyEngine[] = [];

    async function start(overrides: Record<string, unknown> = {}, options: PolicyEngineOptions = {}, at = dir) {
      const paths = await backend.writeSet(at, ['admin']);
      // A generous budget unless a test is about the budget: CI machines are shared and a cold
      // first evaluation can take tens of milliseconds, which would deny (correctly, but flakily).
      const config = policyConfigSchema.parse({ engine: backend.engine, paths, watch: false, eval_timeout_ms: 10_000, ...overrides });
      const engine = await createPolicyEngine(config, { baseDir: at, logger: quiet, ...options });
      engines.push(engine);
      return engine;
    }

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), `warden-contract-${backend.engine}-`));
    });
    afterEach(async () => {
      await Promise.all(engines.splice(0).map((engine) => engine.close()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('allows a caller whose role the data names (allow exactly true, no code)', async () => {
      const engine = await start();
      const decision = await engine.evaluate(input('tools/call', ['analyst', 'admin']));
      expect(decision).toMatchObject({ allow: true, reasons: [], revision: engine.revision });
      expect(decision.code).toBeUndefined();
      expect(engine.name).toBe(backend.engine);
    });

    it('denies other callers with POLICY_DENIED and the reasons of the policy', async () => {
      const engine = await start();
      const decision = await engine.evaluate(input('tools/call', ['analyst']));
      expect(decision).toMatchObject({ allow: false, code: 'POLICY_DENIED', reasons: ['no role of the caller is in data.contract.admin_roles'] });
    });

    it('carries an approval the policy requires on an allowed decision, and drops it from a denial', async () => {
      const engine = await start();
      const allowed = await engine.evaluate(input('contract/approval', ['admin']));
      expect(allowed).toMatchObject({ allow: true, approval: { required: true, reason: 'the contract asks' } });
      const denied = await engine.evaluate(input('contract/approval', ['analyst']));
      expect(denied).toMatchObject({ allow: false, code: 'POLICY_DENIED' });
      expect(denied.approval).toBeUndefined();
      expect((await engine.evaluate(input('tools/call', ['admin']))).approval).toBeUndefined();
    });

    it('denies a caller without a principal (authentication disabled)', async () => {
      const engine = await start();
      expect(await engine.evaluate(input('tools/call'))).toMatchObject({ allow: false, code: 'POLICY_DENIED' });
    });

    it('denies with POLICY_UNDEFINED when the decision is undefined', async () => {
      const engine = await start();
      const decision = await engine.evaluate(input('contract/undefined', ['admin']));
      expect(decision).toMatchObject({ allow: false, code: 'POLICY_UNDEFINED', reasons: ['the policy produced no decision'] });
    });

    it('denies with POLICY_ERROR when evaluation fails, and never rejects', async () => {
      const engine = await start();
      const decision = await engine.evaluate(input('contract/error', ['admin']));
      expect(decision).toMatchObject({ allow: false, code: 'POLICY_ERROR', reasons: ['policy evaluation failed'] });
    });

    it('denies with POLICY_ERROR when allow is not a boolean', async () => {
      const engine = await start();
      const decision = await engine.evaluate(input('contract/non-boolean', ['admin']));
      expect(decision).toMatchObject({ allow: false, code: 'POLICY_ERROR', reasons: ['allow must be a boolean, got the string "yes"'] });
    });

    it('denies with POLICY_ERROR when an evaluation overruns its budget', async () => {
      let now = 0;
      // Each reading of the clock is 30 ms after the previous one: every evaluation "takes" 30 ms.
      const engine = await start({ eval_timeout_ms: 20 }, { clock: () => (now += 30) });
      expect(await engine.evaluate(input('tools/call', ['admin']))).toMatchObject({ allow: false, code: 'POLICY_ERROR' });
    });

    it('gives every decision a fresh decision id and the revision of the set that decided', async () => {
      const engine = await start();
      const [a, b] = await Promise.all([engine.evaluate(input('tools/call', ['admin'])), engine.evaluate(input('tools/call', ['x']))]);
      expect(a!.decisionId).toMatch(UUID);
      expect(b!.decisionId).toMatch(UUID);
      expect(a!.decisionId).not.toBe(b!.decisionId);
      expect(a!.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(b!.revision).toBe(a!.revision);
    });

    it('derives the revision from the loaded files only: same files, same revision; new data, new one', async () => {
      const first = await start();
      const twinDir = mkdtempSync(join(tmpdir(), 'warden-contract-twin-'));
      try {
        const twin = await start({}, {}, twinDir);
        expect(twin.revision).toBe(first.revision);
        await backend.writeSet(twinDir, ['admin', 'ops']);
        const event = await twin.reload();
        expect(event).toMatchObject({ ok: true, oldRevision: first.revision });
        expect(event.newRevision).not.toBe(first.revision);
        expect(twin.revision).toBe(event.newRevision);
      } finally {
        rmSync(twinDir, { recursive: true, force: true });
      }
    });

    it('refuses to start on a broken set with POLICY_LOAD_FAILED naming the file', async () => {
      const paths = await backend.writeSet(dir, ['admin']);
      const expected = await backend.breakSet(dir);
      const config = policyConfigSchema.parse({ engine: backend.engine, paths, watch: false });
      const failure = await createPolicyEngine(config, { baseDir: dir, logger: quiet }).catch((error: unknown) => error);
      expect(isWardenError(failure, 'POLICY_LOAD_FAILED')).toBe(true);
      expect((failure as Error).message).toMatch(expected);
    });

    it('reload swaps in a changed set as a whole and reports both revisions', async () => {
      const events: PolicyReloadEvent[] = [];
      const engine = await start({}, { onReload: (event) => events.push(event) });
      const before = engine.revision;
      await backend.writeSet(dir, ['analyst']);
      const event = await engine.reload('signal');
      expect(event).toMatchObject({ ok: true, trigger: 'signal', oldRevision: before, newRevision: engine.revision });
      expect(events).toEqual([event]);
      expect(await engine.evaluate(input('tools/call', ['analyst']))).toMatchObject({ allow: true });
      expect(await engine.evaluate(input('tools/call', ['admin']))).toMatchObject({ allow: false, code: 'POLICY_DENIED' });
    });

    it('reload keeps the last good set when the new one is broken, and reports the error', async () => {
      const events: PolicyReloadEvent[] = [];
      const engine = await start({}, { onReload: (event) => events.push(event) });
      const good = engine.revision;
      const expected = await backend.breakSet(dir);
      const event = await engine.reload();
      expect(event).toMatchObject({ ok: false, oldRevision: good, newRevision: good, error: { code: 'POLICY_LOAD_FAILED' } });
      expect(event.error!.message).toMatch(expected);
      expect(events).toEqual([event]);
      expect(engine.revision).toBe(good);
      expect(await engine.evaluate(input('tools/call', ['admin']))).toMatchObject({ allow: true, revision: good });
    });

    it('watches the policy files and reloads after a change', async () => {
      let reloaded!: (event: PolicyReloadEvent) => void;
      const seen = new Promise<PolicyReloadEvent>((resolve) => (reloaded = resolve));
      const engine = await start({ watch: true, watch_debounce_ms: 20 }, { onReload: (event) => reloaded(event) });
      await backend.writeSet(dir, ['ops']);
      const event = await Promise.race([seen, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no reload within 5 s')), 5000))]);
      expect(event).toMatchObject({ ok: true, trigger: 'watch' });
      expect(await engine.evaluate(input('tools/call', ['ops']))).toMatchObject({ allow: true });
    });
  });
}
