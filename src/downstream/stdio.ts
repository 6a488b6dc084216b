import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Gateway } from './gateway.ts';
import { createSession } from './session.ts';

/**
 * One session on our own stdin/stdout. stdio has no headers: the caller's token is WARDEN_TOKEN
 * from the environment the client started us with, read once.
 */
export async function serveStdio(gateway: Gateway, env: NodeJS.ProcessEnv = process.env): Promise<{ closed: Promise<void> }> {
  const token = env.WARDEN_TOKEN;
  const { connect } = createSession(gateway, { transport: 'stdio', tokenOf: () => token });
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await connect(new StdioServerTransport());
  return { closed };
}
