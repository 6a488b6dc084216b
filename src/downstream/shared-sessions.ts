import { randomBytes } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type ClientCapabilities, type Implementation, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Sealer } from '../seal.ts';

/**
 * Old-era sessions that survive a change of replica (issue 14). The session id handed out at
 * `initialize` is sealed (src/seal.ts) around what a replica needs to continue the session and what
 * never changes afterwards: the principal that opened it, the negotiated protocol version, the
 * client's capabilities and info. A replica that receives an id it does not hold opens the seal,
 * checks that the caller is that principal, reads the mutable state (subscriptions, log delivery,
 * whether the session ended) from the shared store, and continues the session without a new
 * `initialize`. Nothing in the id can be read or changed by the client.
 */
const sealedSessionSchema = z.object({
  /** Random: two sessions never share an id, even with equal contents. */
  n: z.string(),
  /** `iss sub` of the principal that opened it; null when authentication is disabled. */
  owner: z.string().nullable(),
  protocolVersion: z.string(),
  capabilities: z.record(z.string(), z.unknown()),
  clientInfo: z.object({ name: z.string(), version: z.string() }).loose(),
});

type SealedSession = z.infer<typeof sealedSessionSchema>;

/** The id for a session opened by this `initialize`: the version negotiated as the SDK's Server does. */
export function mintSessionId(sealer: Sealer, owner: string | undefined, params: { protocolVersion: string; capabilities: ClientCapabilities; clientInfo: Implementation }): string {
  const sealed: SealedSession = {
    n: randomBytes(12).toString('base64url'),
    owner: owner ?? null,
    protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(params.protocolVersion) ? params.protocolVersion : LATEST_PROTOCOL_VERSION,
    capabilities: params.capabilities,
    clientInfo: params.clientInfo,
  };
  return sealer.seal('session', sealed);
}

/** The sealed contents when the id is ours and the caller is the session's principal, else undefined. */
export function openSessionId(sealer: Sealer, id: string, owner: string | undefined): SealedSession | undefined {
  const parsed = sealedSessionSchema.safeParse(sealer.open('session', id));
  if (!parsed.success || parsed.data.owner !== (owner ?? null)) return undefined;
  return parsed.data;
}

/**
 * Puts a fresh SDK transport and Server where `initialize` would have left them. SDK v1 (1.32)
 * has no public way to open a transport on an existing session or to give a Server the client's
 * capabilities without an initialize request, so this sets the fields its initialize handling
 * sets (webStandardStreamableHttp.js: `sessionId`, `_initialized`; server/index.js
 * `_oninitialize`: `_clientCapabilities`, `_clientVersion`). The takeover tests fail if they move.
 */
export function resumeSdkSession(transport: StreamableHTTPServerTransport, server: Server, id: string, sealed: SealedSession): void {
  const inner = (transport as unknown as { _webStandardTransport: { sessionId?: string; _initialized: boolean } })._webStandardTransport;
  inner.sessionId = id;
  inner._initialized = true;
  const sdkServer = server as unknown as { _clientCapabilities?: ClientCapabilities; _clientVersion?: Implementation };
  sdkServer._clientCapabilities = sealed.capabilities as ClientCapabilities;
  sdkServer._clientVersion = sealed.clientInfo as Implementation;
}
