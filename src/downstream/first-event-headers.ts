import type { ServerResponse } from 'node:http';

/** How long a held response's headers wait for its first event before they go alone. */
export const HEADERS_HOLD_MS = 50;

/**
 * An old-era POST is answered as an SSE stream by the SDK's transport, whose HTTP adapter
 * (`@hono/node-server`) flushes the headers as soon as the stream starts, and the event follows in
 * a write of its own. Every loopback write wakes the reader and costs ~35-60 µs of CPU here; strace
 * at 32 calls in flight counted 3 writes per old-era call against 2 for the new era. The headers
 * now wait for the first event and leave in its write, or after `HEADERS_HOLD_MS` alone when the
 * call is slow: a client must still see them early (undici gives up waiting for headers after
 * 300 s, and a long call may send nothing before its result).
 */
export function holdHeadersForFirstEvent(res: ServerResponse, holdMs = HEADERS_HOLD_MS): void {
  const flushHeaders = res.flushHeaders;
  const write = res.write;
  let timer: NodeJS.Timeout | undefined;
  const release = (): void => {
    clearTimeout(timer);
    res.flushHeaders = flushHeaders;
    res.write = write;
  };
  res.flushHeaders = () => {
    timer ??= setTimeout(() => {
      release();
      if (!res.writableEnded) res.flushHeaders();
    }, holdMs);
  };
  // The first event's write sends the headers with it (Node writes pending headers with the first chunk).
  res.write = ((...args: Parameters<ServerResponse['write']>) => {
    release();
    return res.write(...args);
  }) as ServerResponse['write'];
  res.once('close', release);
}
