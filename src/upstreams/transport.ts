import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { SSEClientTransport, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { UpstreamSpec } from '../config/index.ts';
import { eachLine } from '../each-line.ts';
import type { Logger } from '../log.ts';
import { writesPerTick } from '../tick-writes.ts';
import { NodeHttpClientTransport } from './http-transport.ts';
import { fetchWithRequestSignals } from './request-signals.ts';
import { CappedReadBuffer, type Dropped } from './result-cap.ts';
import { fetchCappingEventStreams } from './sse-cap.ts';

/** An upstream's stderr line is logged up to this long; the rest of it is skipped unread (each-line.ts). */
const MAX_STDERR_LINE_BYTES = 16 * 1024;

/**
 * One fresh client transport per connection attempt. stdio keeps the SDK's environment
 * allow-list (PATH, HOME, ...) and adds only the entry's `env`: secrets in the gateway's own
 * environment never leak into upstream children. The child's stderr goes to our log, line by
 * line, tagged with the upstream's name, instead of interleaving with our stderr.
 */
export function createClientTransport(spec: UpstreamSpec, log: Logger, onDropped: (dropped: Dropped) => void, onStderrLine?: (line: string) => void): Transport {
  const limit = spec.limits.maxResultBytes;
  if (spec.transport === 'stdio') {
    const transport = new StdioClientTransport({
      command: spec.command,
      args: [...spec.args],
      env: { ...spec.env },
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      stderr: 'pipe',
    });
    // The SDK's line buffer closes the connection past 10 MiB; ours drops the one message (result-cap.ts).
    const internals = transport as unknown as { _readBuffer?: unknown };
    if (!('_readBuffer' in internals)) throw new Error('the MCP SDK stdio transport no longer has _readBuffer: max_result_bytes cannot be enforced');
    internals._readBuffer = new CappedReadBuffer(limit, onDropped);
    // The requests of one turn of the event loop reach the child in one write (tick-writes.ts).
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      const stdin = (transport as unknown as { _process?: ChildProcess })._process?.stdin;
      if (!stdin) throw new Error('the MCP SDK stdio transport no longer has _process.stdin: its writes cannot be batched');
      writesPerTick(stdin);
    };
    const stderr = transport.stderr;
    if (stderr) {
      eachLine(
        stderr as Readable,
        (line, cut) => {
          log.info({ stream: 'stderr', ...(cut ? { cutAtBytes: MAX_STDERR_LINE_BYTES } : {}) }, line);
          onStderrLine?.(line);
        },
        MAX_STDERR_LINE_BYTES,
      );
    }
    return transport;
  }
  const url = new URL(spec.url);
  if (spec.transport !== 'sse') return new NodeHttpClientTransport(url, { headers: { ...spec.headers }, maxMessageBytes: limit, onDropped });
  // Each request gets its own abort signal (request-signals.ts: no listener pile-up on the SDK's),
  // and each event of the stream is capped before the SDK reads it (sse-cap.ts).
  return new SSEClientTransport(url, { requestInit: { headers: { ...spec.headers } }, fetch: fetchCappingEventStreams(fetchWithRequestSignals(), limit, onDropped) });
}
