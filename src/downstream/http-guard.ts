import type { IncomingMessage, ServerResponse } from 'node:http';
import { WardenError } from '../errors.ts';
import { assertExactNumbers } from '../exact-numbers.ts';
import { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH } from '../json-depth.ts';
import type { Rejection } from './era.ts';

/**
 * DNS-rebinding protection and the body limit, checked before any MCP code runs.
 * A browser page on a foreign origin (or a rebound DNS name) must not reach a gateway bound to
 * localhost: bad Origin or foreign Host -> 403 (MCP 2025-11-25, Transports, "Security Warning").
 */
export interface GuardOptions {
  host: string;
  port: number;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  /** `server.max_json_depth`; DEFAULT_MAX_JSON_DEPTH when not given. */
  maxJsonDepth?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

/** The host name in `url`; '' when it is no URL (a malformed Host header was answered 500). */
function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/**
 * The Host header each guard last let through. Nearly every request repeats it, and parsing it
 * as a URL was ~1% of the gateway's CPU per call at 32 in flight (CPU profile, 2026-12-07).
 */
const lastAllowedHost = new WeakMap<GuardOptions, string>();

/**
 * Returns why the request is refused, or undefined when it may pass. A Host header that is no
 * host at all is refused on any bind (it reached `new URL` in the auth edge's metadata URL: a 500).
 */
export function refuseReason(req: IncomingMessage, options: GuardOptions): string | undefined {
  const hostHeader = req.headers.host;
  if (hostHeader === undefined || lastAllowedHost.get(options) !== hostHeader) {
    const hostname = hostHeader === undefined ? undefined : hostnameOf(`http://${hostHeader}`);
    const checked = isLoopback(options.host) || options.allowedHosts.length > 0;
    const allowed = hostname === undefined ? !checked : hostname !== '' && (!checked || options.allowedHosts.includes(hostHeader!) || isLoopback(hostname));
    if (!allowed) return `Host ${hostHeader ?? '(none)'} is not allowed`;
    if (hostHeader !== undefined) lastAllowedHost.set(options, hostHeader);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !options.allowedOrigins.includes(origin) && !isLoopback(hostnameOf(origin))) return `Origin ${origin} is not allowed`;
  return undefined;
}

/** Reads and parses a JSON body within the limits; REQUEST_TOO_LARGE / REQUEST_INVALID / REQUEST_TOO_DEEP / REQUEST_NUMBER_INEXACT otherwise. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, maxDepth = DEFAULT_MAX_JSON_DEPTH): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readText(req, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WardenError('REQUEST_INVALID', 'Parse error: the body is not valid JSON');
  }
  assertJsonDepth(text, maxDepth);
  assertExactNumbers(text);
  return body;
}

/**
 * The body as text, by 'data' events rather than `for await`: the async iterator costs a stream
 * wrapper, an end-of-stream watcher and a promise per chunk, on every request of the hot path.
 */
function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      // As `for await` did when the loop threw: the rest of an oversized body is not read at all.
      req.destroy();
      reject(tooLarge(maxBytes));
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function tooLarge(maxBytes: number): WardenError {
  return new WardenError('REQUEST_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`);
}

/** A refused new-era request (era.ts): the spec's status, code and data, and the request's id. */
export function sendRejection(res: ServerResponse, rejection: Rejection): void {
  const body = JSON.stringify({ jsonrpc: '2.0', id: rejection.id, error: rejection.error });
  res.writeHead(rejection.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** A JSON-RPC error answer the transport never saw (id null unless known), with our stable code in data. */
export function sendError(res: ServerResponse, status: number, code: number, message: string, wardenCode: string, id: string | number | null = null): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message, data: { code: wardenCode } }, id }));
}
