import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServices } from '../../../src/cli/serve.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { ShadowedPolicyEngine } from '../../../src/policy/index.ts';
import type { EventRow } from '../../../src/audit/chain.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { startTestGateway } from '../../../testkit/support/gateway.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/**
 * policy.shadow through the live gateway, wired as `warden serve` wires it (buildServices): the
 * candidate set decides every request beside the live one, answers stay the live set's, and each
 * disagreement is an audit row of its own.
 */
const { dir, cleanup } = tempDir('shadow');
afterAll(cleanup);

/** Every tool is visible; the live set refuses calls of whoami, the candidate calls of echo. */
const policy = (off: string) => `package mcp.authz

default allow := false

allow if input.method != "tools/call"

allow if input.tool.upstream_name != "${off}"

reasons contains "${off} is off" if not allow
`;
const LIVE = policy('whoami');
const CANDIDATE = policy('echo');

describe('shadow policy', () => {
  it('decides beside the live set without changing any answer; disagreements are audited and counted', async () => {
    mkdirSync(join(dir, 'live'));
    mkdirSync(join(dir, 'candidate'));
    writeFileSync(join(dir, 'live/authz.rego'), LIVE);
    writeFileSync(join(dir, 'candidate/authz.rego'), CANDIDATE);
    const file = join(dir, 'warden.config.json');
    writeFileSync(file, JSON.stringify({
      mcpServers: {},
      auth: { mode: 'disabled' },
      policy: { paths: ['live'], watch: false, shadow: { paths: ['candidate'] } },
      audit: { path: 'audit.db' },
    }));
    const services = await buildServices(loadConfig(file, {}), silentLogger);
    const policy = services.policy as ShadowedPolicyEngine;
    const gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') } }, policy, audit: services.audit });
    let echo: unknown;
    let whoami: unknown;
    try {
      const client = await gw.connect({ token: 'token-alice' });
      echo = await client.callTool({ name: 'db__echo', arguments: { message: 'hi' } });
      whoami = await client.callTool({ name: 'db__whoami', arguments: {} }).catch((error: Error) => error.message);
      await policy.drained();
      expect(policy.shadowCounts()).toMatchObject({ disagreements: 2, skipped: 0 });
    } finally {
      await gw.close();
      await services.close();
    }
    // The live answers: echo allowed (the shadow would deny it), whoami denied (the shadow would allow it).
    expect((echo as { content: { text: string }[] }).content[0]!.text).toContain('hi');
    expect(whoami).toContain('whoami is off');
    const db = new Database(join(dir, 'audit.db'), { readonly: true });
    const rows = db.prepare("SELECT * FROM events WHERE kind = 'shadow_disagreement' AND method = 'tools/call' ORDER BY seq").all() as EventRow[];
    const decisions = db.prepare("SELECT * FROM events WHERE kind = 'decision' AND method = 'tools/call' ORDER BY seq").all() as EventRow[];
    db.close();
    expect(rows.map((r) => [r.public_name, JSON.parse(r.data).live, r.decision])).toEqual([
      ['db__echo', 'allow', 'deny'],
      ['db__whoami', 'deny', 'allow'],
    ]);
    expect(JSON.parse(rows[0]!.data).shadow_reasons).toEqual(['echo is off']);
    // Each disagreement names the live decision it shadows.
    expect(rows.map((r) => r.decision_id)).toEqual(decisions.map((d) => d.decision_id));
  });
});
