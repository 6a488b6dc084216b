import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithRequestSignals } from '../../../src/upstreams/request-signals.ts';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      return; // stays open until the client goes away
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** How many abort listeners a signal holds (Node keeps the count behind a symbol). */
function abortListeners(signal: AbortSignal): number {
  const symbol = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kEvents');
  const events = (signal as unknown as Record<symbol, Map<string, { size: number }>>)[symbol!];
  return events?.get('abort')?.size ?? 0;
}

describe('fetchWithRequestSignals', () => {
  it('regression: many requests over one long-lived signal leave one abort listener on it, not one per request', async () => {
    const outer = new AbortController();
    const fetch = fetchWithRequestSignals();
    for (let i = 0; i < 50; i++) expect(await (await fetch(`${url}/json`, { signal: outer.signal })).json()).toEqual({ ok: true });
    expect(abortListeners(outer.signal)).toBe(1);
  });

  it('aborting the long-lived signal still aborts an open event stream', async () => {
    const outer = new AbortController();
    const fetch = fetchWithRequestSignals();
    const response = await fetch(`${url}/stream`, { signal: outer.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    outer.abort(new Error('closing'));
    await expect(reader.read()).rejects.toThrow();
  });

  it('a request whose signal is already aborted is refused as by fetch itself', async () => {
    const outer = new AbortController();
    outer.abort();
    await expect(fetchWithRequestSignals()(`${url}/json`, { signal: outer.signal })).rejects.toThrow();
  });
});
