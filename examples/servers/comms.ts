/**
 * Example upstream `comms` (legacy SSE): "sends" e-mail by appending it to an outbox JSONL file
 * (COMMS_OUTBOX, default ./.warden/outbox.jsonl), so the example needs no mail server.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { host, hostOptionsFromArgv } from './host.ts';

export interface OutboxMail {
  to: string;
  subject: string;
  body: string;
  sent_at: string;
}

export function readOutbox(path: string): OutboxMail[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxMail);
}

export function createCommsServer(outboxPath: string): McpServer {
  const server = new McpServer({ name: 'example-comms', version: '1.0.0' });
  server.registerTool(
    'send_email',
    {
      description: 'Send an e-mail (written to the outbox file).',
      inputSchema: { to: z.email(), subject: z.string().min(1).max(200), body: z.string().max(100_000) },
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    async ({ to, subject, body }) => {
      const mail: OutboxMail = { to, subject, body, sent_at: new Date().toISOString() };
      mkdirSync(dirname(outboxPath), { recursive: true });
      appendFileSync(outboxPath, `${JSON.stringify(mail)}\n`);
      return { content: [{ type: 'text', text: `sent to ${to}: ${subject}` }], structuredContent: { sent: true, to } };
    },
  );
  server.registerTool(
    'list_outbox',
    { description: 'Mails sent so far, newest last.', inputSchema: {}, annotations: { readOnlyHint: true } },
    async () => {
      const mails = readOutbox(outboxPath);
      return { content: [{ type: 'text', text: JSON.stringify(mails) }], structuredContent: { mails } };
    },
  );
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outbox = resolve(process.env.COMMS_OUTBOX ?? '.warden/outbox.jsonl');
  await host(() => createCommsServer(outbox), hostOptionsFromArgv(process.argv.slice(2), 'sse'));
}
