import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PinRecord } from '../../../src/audit/sink.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { run } from '../../../src/cli/tools.ts';
import { integrityConfigSchema } from '../../../src/integrity/config.ts';
import { definitionOf } from '../../../src/integrity/digest.ts';
import { FIRST_SEEN } from '../../../src/integrity/guard.ts';
import { pinViewOf } from '../../../src/integrity/pin-view.ts';
import { startFixture } from '../../../testkit/fixtures/spawn.ts';
import { auditConfig, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';

const { dir, cleanup } = tempDir('pin-view');
afterAll(cleanup);

const pin = (overrides: Partial<PinRecord>): PinRecord => ({
  kind: 'tool', upstream: 'ks', name: 'echo', seenDigest: 'd2', seenDefinition: '{}', seenFlags: [], seenAt: '2026-12-06T10:00:00.000Z',
  approvedDigest: 'd1', approvedDefinition: '{}', decidedBy: 'os:root', decidedAt: '2026-12-06T09:00:00.000Z', note: null, ...overrides,
});
const pinMode = integrityConfigSchema.parse({});

describe('pin-view - a tool\'s pin status for warden tools', () => {
  it('tells approved, changed, quarantined (flagged, revoked, new) and unpinned apart, with the reason', () => {
    expect(pinViewOf(pin({ approvedDigest: 'd2', decidedBy: FIRST_SEEN }), 'd2', pinMode)).toEqual({ status: 'approved', reason: 'approved trusted on first sight at 2026-12-06T09:00:00.000Z' });
    expect(pinViewOf(pin({}), 'd2', pinMode)).toMatchObject({ status: 'changed', reason: expect.stringMatching(/changed since the one approved by os:root .*hidden until approved/) });
    expect(pinViewOf(pin({}), 'd2', integrityConfigSchema.parse({ mode: 'warn' })).reason).toMatch(/available \(mode warn\)/);
    expect(pinViewOf(pin({ approvedDigest: null, decidedBy: null, seenFlags: ['description: <IMPORTANT> block'] }), 'd2', pinMode)).toMatchObject({ status: 'quarantined', reason: expect.stringMatching(/^screening flagged it: description: <IMPORTANT> block/) });
    expect(pinViewOf(pin({ approvedDigest: null, decidedBy: 'token:alice' }), 'd2', pinMode).reason).toMatch(/^approval revoked by token:alice/);
    expect(pinViewOf(pin({ approvedDigest: null, decidedBy: null }), 'd2', pinMode).reason).toMatch(/^new tool of a known upstream/);
    expect(pinViewOf(undefined, 'd2', pinMode).status).toBe('unpinned');
    expect(pinViewOf(pin({}), 'd2', integrityConfigSchema.parse({ mode: 'off' })).status).toBe('off');
  });

  it('warden tools shows each tool\'s status from the audit database, in the table and in --json', async () => {
    const sink = await startFixture('kitchen-sink', 'http');
    const config = writeGatewayConfig(dir, { ks: sink.entry });
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    try {
      // Before any gateway ran there is no database: nothing is pinned yet, each tool unpinned.
      await run(['--config', config, '--json']);
      const before = JSON.parse(out) as { tools: Array<{ originalName: string; pin: { status: string; reason: string } }> };
      expect(before.tools.find((tool) => tool.originalName === 'echo')?.pin).toMatchObject({ status: 'unpinned', reason: expect.stringContaining('not seen by the gateway yet') });

      // The pins as a gateway left them: echo approved as it is served now, add approved in an older form, nothing else seen.
      const store = openAuditStore(auditConfig(join(dir, 'audit.db')), { logger: silentLogger });
      const client = new Client({ name: 't', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL((sink.entry as { url: string }).url)));
      const served = (await client.listTools()).tools;
      await client.close();
      const echo = definitionOf('tool', served.find((tool) => tool.name === 'echo')!);
      await store.pins.recordSeen({ kind: 'tool', upstream: 'ks', name: 'echo', digest: echo.digest, definition: echo.text, flags: [], at: '2026-12-06T10:00:00.000Z', approvedBy: FIRST_SEEN });
      await store.pins.recordSeen({ kind: 'tool', upstream: 'ks', name: 'add', digest: 'older', definition: '{}', flags: [], at: '2026-12-06T10:00:00.000Z', approvedBy: 'os:root' });
      await store.close();

      out = '';
      await run(['--config', config, '--json']);
      const after = JSON.parse(out) as { tools: Array<{ originalName: string; pin: { status: string } }> };
      const status = new Map(after.tools.map((tool) => [tool.originalName, tool.pin.status]));
      expect(status.get('echo')).toBe('approved');
      expect(status.get('add')).toBe('changed');
      expect([...status.values()].filter((value) => value === 'unpinned').length).toBe(after.tools.length - 2);

      out = '';
      await run(['--config', config]);
      expect(out.split('\n')[0]).toMatch(/^PUBLIC NAME +UPSTREAM +ORIGINAL NAME +PIN +NOTES$/);
      expect(out).toMatch(/ks__add +ks +add +changed +.*the definition changed since the one approved by os:root/);
    } finally {
      spy.mockRestore();
      await sink.close();
    }
  });
});
