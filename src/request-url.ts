import type { IncomingMessage } from 'node:http';

/**
 * A request's target as a URL: origin-form (`/mcp?sessionId=x`) on this server, or absolute-form
 * (`http://host/mcp`). Undefined when it is neither: Node's parser lets targets such as `//` or
 * `//[x` through, and `new URL(target, base)` reads those as a host and threw (a 500 and an
 * error logged with its stack for a bad request line).
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  try {
    return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target);
  } catch {
    return undefined;
  }
}
