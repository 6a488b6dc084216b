import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { run } from '../../../src/cli/audit.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { auditConfig, readEvents, tempDir, verifyFile } from '../../../testkit/support/audit.ts';
import { TestPolicyEngine, silentLogger } from '../../../testkit/support/engines.ts';
import { startTestGateway } from '../../../testkit/support/gateway.ts';

const { dir, cleanup } = tempDir('shown');
afterAll(cleanup);

/** `warden audit ...` in process, its output captured. */
async function audit(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(args, { stdout: { write: (chunk: string) => (out += chunk) }, now: () => new Date() });
  return { code, out };
}

// alice may not see db__whoami; bob sees everything.
const hidesWhoamiFromAlice = () => new TestPolicyEngine((input) => !(input.principal?.sub === 'alice' && input.tool?.name === 'db__whoami'));

describe('audit-shown - what each caller was shown', () => {
  it('records every list answer before it leaves, and warden audit shown answers "could alice see X at that time"', async () => {
    const path = join(dir, 'lists.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger });
    const gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') } }, policy: hidesWhoamiFromAlice(), audit: store });
    let between: string;
    let aliceTools: string[];
    try {
      const alice = await gw.connect({ token: 'token-alice' });
      const bob = await gw.connect({ token: 'token-bob' });
      aliceTools = (await alice.listTools()).tools.map((tool) => tool.name);
      expect(aliceTools).toContain('db__echo');
      expect(aliceTools).not.toContain('db__whoami');
      await alice.listPrompts();
      between = new Date().toISOString();
      await bob.listTools();
    } finally {
      await gw.close();
      await store.close();
    }

    const rows = readEvents(path, "kind = 'shown'");
    expect(rows.map((row) => [row.sub, row.method])).toEqual([['alice', 'tools/list'], ['alice', 'prompts/list'], ['bob', 'tools/list']]);
    expect(JSON.parse(rows[0]!.data).count).toBe(aliceTools.length);
    expect(verifyFile(path).ok).toBe(true);

    const yes = await audit(['shown', '--db', path, '--sub', 'alice', '--at', between, '--tool', 'db__echo', '--json']);
    expect(yes.code).toBe(0);
    const answer = JSON.parse(yes.out);
    expect(answer.tool).toMatchObject({ name: 'db__echo', shown: true });
    expect(answer.answers.map((a: { method: string }) => a.method).sort()).toEqual(['prompts/list', 'tools/list']);

    const no = await audit(['shown', '--db', path, '--sub', 'alice', '--at', between, '--tool', 'db__whoami']);
    expect(no.out).toMatch(/^alice could see tool db__whoami at .*: no/);
    // bob listed after `between`: at that moment he had been shown nothing.
    expect((await audit(['shown', '--db', path, '--sub', 'bob', '--at', between])).out).toMatch(/^no list answers to bob between /);
    expect((await audit(['shown', '--db', path, '--sub', 'bob', '--at', new Date().toISOString(), '--tool', 'db__whoami'])).out).toMatch(/: yes, in session /);
  });

  it('refuses the list (AUDIT_UNAVAILABLE) when its shown row cannot be written', async () => {
    const path = join(dir, 'closed.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger });
    const gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') } }, audit: store });
    try {
      const alice = await gw.connect({ token: 'token-alice' });
      await store.close();
      await expect(alice.listTools()).rejects.toThrow(/audit record could not be written|audit store is closed/);
    } finally {
      await gw.close();
    }
  });

  it('names the flags it needs', async () => {
    const missing = await audit(['shown', '--db', join(dir, 'none.db'), '--at', '1h']);
    expect(missing.code).toBe(2);
  });
});
