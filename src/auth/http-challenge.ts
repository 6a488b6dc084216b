import { WardenError } from '../errors.ts';
import type { AuthConfig } from './config.ts';
import type { Principal } from './principal.ts';

/**
 * Pure helpers for the HTTP edge: the `WWW-Authenticate` challenges of RFC 6750 section 3 with
 * the `resource_metadata` parameter of RFC 9728 section 5.1, the RFC 9728 metadata document, and
 * the `auth.required_scopes` check. The edge decides status codes; these only build values.
 */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 section 3.1: the metadata of a resource with a path (`https://gw.example/mcp`) is
 * served at the well-known prefix followed by that path (`/.well-known/oauth-protected-resource/mcp`).
 */
export function protectedResourceMetadataPath(resourcePath = ''): string {
  const path = resourcePath.replace(/\/+$/, '');
  return path === '' ? PROTECTED_RESOURCE_METADATA_PATH : `${PROTECTED_RESOURCE_METADATA_PATH}${path.startsWith('/') ? '' : '/'}${path}`;
}

/**
 * The 401 challenge. RFC 6750 section 3.1: a request that carried no token gets no error code;
 * one whose token was refused gets `error="invalid_token"` and an `error_description` saying why
 * (expired, wrong audience, ...: what the JSON body says too), so a client that shows only the
 * header still tells its user something. The description is held to the characters section 3
 * allows (printable ASCII without `"` and `\`).
 */
export function unauthorizedChallenge(resourceMetadataUrl: string, tokenPresented: boolean, description?: string): string {
  const params = [`resource_metadata=${quote(resourceMetadataUrl)}`];
  if (tokenPresented) {
    params.push('error="invalid_token"');
    if (description !== undefined) params.push(`error_description="${description.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "'").slice(0, 200)}"`);
  }
  return `Bearer ${params.join(', ')}`;
}

/** The 403 challenge for a valid token without the required scopes (RFC 6750 section 3.1). */
export function insufficientScopeChallenge(requiredScopes: readonly string[], resourceMetadataUrl?: string): string {
  const params = ['error="insufficient_scope"', `scope=${quote(requiredScopes.join(' '))}`];
  if (resourceMetadataUrl !== undefined) params.push(`resource_metadata=${quote(resourceMetadataUrl)}`);
  return `Bearer ${params.join(', ')}`;
}

interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ['header'];
}

/**
 * The RFC 9728 document from config. `resource` defaults to the URL the edge serves MCP at.
 * Only the header method is announced: tokens in query strings or bodies are never read.
 */
export function protectedResourceMetadata(config: AuthConfig, defaultResource: string): ProtectedResourceMetadata {
  const document: ProtectedResourceMetadata = {
    resource: config.resource ?? defaultResource,
    authorization_servers: [...config.authorization_servers],
    bearer_methods_supported: ['header'],
  };
  if (config.scopes_supported.length > 0) document.scopes_supported = [...config.scopes_supported];
  return document;
}

/** Throws AUTH_INSUFFICIENT_SCOPE (details: required, missing) unless every required scope is held. */
export function checkRequiredScopes(principal: Principal, required: readonly string[]): void {
  const missing = required.filter((scope) => !principal.scopes.includes(scope));
  if (missing.length > 0) {
    throw new WardenError('AUTH_INSUFFICIENT_SCOPE', `the token lacks the required scope(s): ${missing.join(', ')}`, {
      details: { required: [...required], missing },
    });
  }
}

/** An RFC 9110 quoted-string. Control characters are dropped: Node refuses them in headers. */
function quote(value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
