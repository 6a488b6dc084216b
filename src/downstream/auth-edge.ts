import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthnFailureEvent } from '../audit/index.ts';
import { checkRequiredScopes, insufficientScopeChallenge, PROTECTED_RESOURCE_METADATA_PATH, protectedResourceMetadata, protectedResourceMetadataPath, unauthorizedChallenge, type AuthConfig, type Authenticator, type Principal, principalKey } from '../auth/index.ts';
import { asWardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { sendError } from './http-guard.ts';
import { requestUrl } from '../request-url.ts';

/**
 * The HTTP auth edge (MCP authorization, RFC 6750 and RFC 9728): before any MCP handling, the
 * bearer token of the Authorization header (never the query string) must verify.
 *   - no or bad token: 401 with `WWW-Authenticate: Bearer resource_metadata="..."` (plus
 *     `error="invalid_token"` when a token was sent), so clients can discover the authorization server;
 *   - valid token without `auth.required_scopes`: 403 with `error="insufficient_scope"`;
 *   - key source down: 503 (the token may be fine; retrying later can work).
 * The protected-resource metadata is served without a token. The principal a request proved is
 * kept for the session binding (`principalKey`). The pipeline authenticates every JSON-RPC
 * request again (a cache hit), so an expiry inside a live session is still refused.
 */
interface AuthEdgeOptions {
  authenticator: Authenticator;
  auth: AuthConfig;
  /**
   * The public URL of the MCP endpoint: `auth.resource` when configured, else built from the
   * request's Host header (already checked against the allow-list by the guard).
   */
  resourceUrl?: string;
  authFailures?: { recordAuthnFailure(event: AuthnFailureEvent): void };
  log: Logger;
}

export interface AuthEdge {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** `iss sub` of the principal this request proved; undefined when auth is disabled. */
  principalKey(req: IncomingMessage): string | undefined;
}

export function createAuthEdge(options: AuthEdgeOptions): AuthEdge {
  const proven = new WeakMap<IncomingMessage, Principal>();
  const resourceUrl = (req: IncomingMessage) => options.resourceUrl ?? `http://${req.headers.host ?? 'localhost'}/mcp`;
  const metadataUrl = (req: IncomingMessage) => {
    const url = new URL(resourceUrl(req));
    return `${url.origin}${protectedResourceMetadataPath(url.pathname)}`;
  };

  return {
    principalKey(req) {
      return principalKey(proven.get(req));
    },

    async handle(req, res) {
      // A target that is no URL goes on to the handler, which answers it 400.
      const path = requestUrl(req)?.pathname ?? '';
      if (path === PROTECTED_RESOURCE_METADATA_PATH || path.startsWith(`${PROTECTED_RESOURCE_METADATA_PATH}/`)) {
        if (req.method !== 'GET') return sendError(res, 405, -32600, 'Method not allowed', 'REQUEST_INVALID'), true;
        const body = JSON.stringify(protectedResourceMetadata(options.auth, resourceUrl(req)));
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(body);
        return true;
      }
      if (options.authenticator.mode === 'disabled') return false;

      const token = parseBearer(req.headers.authorization);
      try {
        const principal = await options.authenticator.authenticate(token);
        if (principal) {
          checkRequiredScopes(principal, options.auth.required_scopes);
          proven.set(req, principal);
        }
        return false;
      } catch (error) {
        const refusal = asWardenError(error, 'AUTH_TOKEN_INVALID');
        options.authFailures?.recordAuthnFailure({ time: new Date().toISOString(), source: req.socket.remoteAddress ?? 'unknown', reason: refusal.code });
        if (refusal.code === 'AUTH_INSUFFICIENT_SCOPE') {
          res.setHeader('www-authenticate', insufficientScopeChallenge(options.auth.required_scopes, metadataUrl(req)));
          sendError(res, 403, -32003, refusal.message, refusal.code);
        } else if (refusal.code === 'AUTH_KEYS_UNAVAILABLE') {
          options.log.warn({ reason: refusal.message }, 'verification keys unavailable; request refused');
          sendError(res, 503, -32003, 'Authentication is temporarily unavailable', refusal.code);
        } else {
          res.setHeader('www-authenticate', unauthorizedChallenge(metadataUrl(req), token !== undefined, refusal.message));
          sendError(res, 401, -32003, refusal.message, refusal.code.startsWith('AUTH_') ? refusal.code : 'AUTH_TOKEN_INVALID');
        }
        return true;
      }
    },
  };
}

/**
 * The token of an `Authorization: Bearer` header (RFC 6750 section 2.1 only: a token in the query
 * string or body is never looked at). The auth edge and the per-request token of the pipeline both
 * read it here.
 */
export function parseBearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
