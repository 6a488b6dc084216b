import { PassThrough, type Readable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { classifyMessage } from './era.ts';
import { exactLines, type LineLimits } from './exact-lines.ts';
import type { Gateway } from '../gateway/index.ts';
import { serveModernStdio } from './modern-stdio.ts';
import { createSession } from './session.ts';
import { writesPerTick } from '../tick-writes.ts';

/** An opening line longer than this is not looked at: the connection is old era (within the line limit of exact-lines.ts). */
const MAX_OPENING_BYTES = 1024 * 1024;

/**
 * One connection on our own stdin/stdout, in the era its client opens with: a first message
 * carrying the 2026-07-28 envelope makes the connection new era (modern-stdio.ts), anything else
 * (initialize) an old-era SDK session. stdio has no headers: the caller's token is WARDEN_TOKEN
 * from the environment the client started us with, read once.
 */
export async function serveStdio(gateway: Gateway, limits: LineLimits, env: NodeJS.ProcessEnv = process.env): Promise<{ closed: Promise<void> }> {
  const token = env.WARDEN_TOKEN;
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  // Lines over the limit and numbers that would change on the way are refused before either era parses a line.
  const output = writesPerTick(process.stdout);
  const { opening, input } = await readOpening(exactLines(process.stdin, output, limits));
  if (opening !== undefined && opensNewEra(opening)) {
    serveModernStdio(gateway, token, input, output);
  } else {
    const { connect } = createSession(gateway, { transport: 'stdio', tokenOf: () => token });
    await connect(new StdioServerTransport(input, output));
  }
  return { closed };
}

function opensNewEra(line: string): boolean {
  try {
    return classifyMessage(JSON.parse(line)).era !== 'legacy';
  } catch {
    return false;
  }
}

/**
 * Waits for the first line without consuming it: the returned stream replays everything read so
 * far, then the rest of `source`.
 */
function readOpening(source: Readable): Promise<{ opening: string | undefined; input: Readable }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (opening: string | undefined) => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.pause();
      const input = new PassThrough();
      for (const chunk of chunks) input.write(chunk);
      source.pipe(input);
      resolve({ opening, input });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const all = Buffer.concat(chunks);
      const newline = all.indexOf(10);
      if (newline !== -1) settle(all.subarray(0, newline).toString('utf8'));
      else if (size > MAX_OPENING_BYTES) settle(undefined);
    };
    const onEnd = () => settle(undefined);
    source.on('data', onData);
    source.once('end', onEnd);
  });
}
