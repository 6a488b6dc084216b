/**
 * The bench's load generator for HTTP: JSON-RPC POSTs over one keep-alive `node:http` Agent, no
 * SDK client. An SDK client costs more CPU per call than the gateway should, and on 2 shared
 * cores the client's cost would be charged to whatever it measures. Reads a JSON answer or the
 * first `data:` event of an SSE answer (the old-era SDK server streams by default).
 */
import { Agent, request } from 'node:http';

export interface JsonRpcAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string } } | undefined;
}

export type Post = (message: Record<string, unknown>, headers?: Record<string, string>) => Promise<JsonRpcAnswer>;

export function httpCaller(url: string, baseHeaders: Record<string, string> = {}): { post: Post; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(url);
  const post: Post = (message, headers = {}) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(message);
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(payload),
            ...baseHeaders,
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text, String(res.headers['content-type'] ?? '')) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { post, close: () => agent.destroy() };
}

function parseBody(text: string, contentType: string): JsonRpcAnswer['body'] {
  if (text.length === 0) return undefined;
  if (contentType.startsWith('text/event-stream')) {
    const data = text.split('\n').find((line) => line.startsWith('data: '));
    return data === undefined ? undefined : (JSON.parse(data.slice(6)) as JsonRpcAnswer['body']);
  }
  return JSON.parse(text) as JsonRpcAnswer['body'];
}

/** A call that resolves only on a JSON-RPC result; anything else rejects (the bench counts errors). */
export function expectResult(answer: JsonRpcAnswer): Record<string, unknown> {
  if (answer.status !== 200 || answer.body?.result === undefined) {
    throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body?.error ?? answer.body)}`);
  }
  return answer.body.result;
}
