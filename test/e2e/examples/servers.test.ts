import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleServerPath, launchExampleServer } from '../../../src/cli/example.ts';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';

async function connect(transport: Parameters<Client['connect']>[0]) {
  const client = new Client({ name: 'example-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('example upstream servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-examples-'));
  const servers: ListeningProcess[] = [];
  const clients: Client[] = [];
  let db: Client;
  let analytics: Client;
  let comms: Client;

  beforeAll(async () => {
    db = await connect(new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', exampleServerPath('db')], stderr: 'ignore' }));
    const analyticsServer = await launchExampleServer('analytics');
    const commsServer = await launchExampleServer('comms', 0, { COMMS_OUTBOX: join(dir, 'outbox.jsonl') });
    servers.push(analyticsServer, commsServer);
    analytics = await connect(new StreamableHTTPClientTransport(new URL(analyticsServer.url)));
    comms = await connect(new SSEClientTransport(new URL(commsServer.url)));
    clients.push(db, analytics, comms);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.all(servers.map((server) => server.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('db - get_sales returns the week and the week before', async () => {
    const result = await db.callTool({ name: 'get_sales', arguments: { week: '2026-11-16' } });
    const sales = result.structuredContent as { rows: { date: string }[]; previous_week: { rows: unknown[] } };
    expect(sales.rows).toHaveLength(35);
    expect(sales.rows.every((row) => row.date >= '2026-11-16' && row.date < '2026-11-23')).toBe(true);
    expect(sales.previous_week.rows).toHaveLength(35);
  });

  it('db - query refuses a writing statement', async () => {
    const result = await db.callTool({ name: 'query', arguments: { sql: 'DELETE FROM sales' } });
    expect(result.isError).toBe(true);
    const count = await db.callTool({ name: 'query', arguments: { sql: 'SELECT count(*) AS n FROM sales' } });
    expect(count.structuredContent).toEqual({ rows: [{ n: 455 }] });
  });

  it('analytics - generate_report totals a week over Streamable HTTP', async () => {
    const sales = await db.callTool({ name: 'get_sales', arguments: { week: '2026-11-16' } });
    const result = await analytics.callTool({ name: 'generate_report', arguments: { data: sales.structuredContent } });
    const report = result.structuredContent as { week: string; total_units: number; top_products: unknown[]; week_over_week_percent: number };
    expect(report.week).toBe('2026-11-16');
    expect(report.total_units).toBeGreaterThan(0);
    expect(report.top_products).toHaveLength(3);
    expect(typeof report.week_over_week_percent).toBe('number');
    expect((result.content as { text: string }[])[0]!.text).toContain('Sales report, week of 2026-11-16');
  });

  it('comms - send_email lands in the outbox over legacy SSE', async () => {
    await comms.callTool({ name: 'send_email', arguments: { to: 'sales@example.com', subject: 'hi', body: 'report' } });
    const outbox = await comms.callTool({ name: 'list_outbox', arguments: {} });
    expect((outbox.structuredContent as { mails: { to: string }[] }).mails.map((m) => m.to)).toEqual(['sales@example.com']);
  });
});
