/**
 * Who is calling: built only from a verified token's claims, never from anything else a client
 * sends (headers, `_meta`, clientInfo). This is the shape the policy input's `principal` takes.
 */
export interface Principal {
  sub: string;
  iss: string;
  aud: string[];
  scopes: string[];
  roles: string[];
  /** Every verified claim, as the token carried it. */
  claims: Readonly<Record<string, unknown>>;
  /** Token expiry, epoch seconds: checked on every request, also inside a live session. */
  expiresAt: number;
  /** The token's `jti`, else a SHA-256 of the token: what the audit trail may store instead of it. */
  tokenId: string;
}

/** `iss sub`: one caller however many tokens it holds; what sessions, slots and buckets are counted by. Undefined without a principal (auth disabled). */
export function principalKey(principal: Pick<Principal, 'iss' | 'sub'> | undefined): string | undefined {
  return principal === undefined ? undefined : `${principal.iss} ${principal.sub}`;
}

export interface Authenticator {
  /** `disabled` exists for local experiments only: then every caller has no principal. */
  readonly mode: 'jwt' | 'disabled';
  /**
   * Verifies a bearer token and maps its claims to a Principal. Throws a WardenError with an
   * AUTH_* code on any failure (including unreachable key sources); never resolves to a
   * principal for a token it did not verify. Resolves undefined only in `disabled` mode.
   */
  authenticate(token: string | undefined): Promise<Principal | undefined>;
  close(): Promise<void>;
}
