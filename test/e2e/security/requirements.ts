/**
 * The security promises of mcp-warden (issue 4), one id each. A test that demonstrates a promise
 * tags its title with `[id]`; requirements.test.ts fails when a promise has no such test, or when
 * a test names an id that is not listed here (a typo would otherwise cover nothing).
 */
export const REQUIREMENTS = {
  'auth:token-required': 'HTTP: a request without a bearer token gets 401 with WWW-Authenticate resource_metadata (no error=)',
  'auth:header-only': 'HTTP: the token is read from the Authorization header only, never the query string',
  'auth:invalid-token-401': 'HTTP: a garbled, tampered, alg none, wrong iss/aud, expired, not-yet-valid or unknown-crit token gets 401 error="invalid_token" with a stable code',
  'auth:clock-tolerance': 'exp/nbf/iat within the issuer clock tolerance are accepted; array audiences naming us are accepted',
  'auth:resource-metadata': 'the RFC 9728 protected-resource metadata is served without a token',
  'auth:anonymous-surface': 'without a token only the metadata, /readyz and /livez answer, and they name no upstream, tool or principal',
  'auth:required-scopes': 'a valid token without auth.required_scopes gets 403 error="insufficient_scope"',
  'auth:expiry-in-session': 'a token that expires is refused inside a live session (HTTP and stdio)',
  'auth:listen-expiry': 'a subscriptions/listen stream ends with AUTH_TOKEN_EXPIRED when the token it was opened with expires, and its outcome row says so',
  'auth:session-bound-to-principal': 'a session id presented by another principal answers 404',
  'auth:keys-unavailable-503': 'an unreachable, garbage or slow JWKS answers 503 AUTH_KEYS_UNAVAILABLE, nothing forwarded',
  'auth:jwks-cooldown': 'a storm of unknown kids costs the JWKS server at most one fetch per cooldown',
  'auth:jwks-rotation': 'a rotated key set is picked up after the cooldown',
  'auth:short-secret-refused': 'an HS* secret shorter than its algorithm needs refuses the start',
  'auth:stdio-token': 'stdio: the token comes from WARDEN_TOKEN and is verified',
  'auth:stdio-expired-token': 'stdio: an expired WARDEN_TOKEN refuses every request',
  'auth:principal-from-token-only': 'headers, _meta and clientInfo cannot change the principal the policy sees',
  'auth:token-never-upstream': 'the client token never reaches an upstream; upstreams get only their configured credentials',
  'authz:allowed-forwarded': 'an allowed request is forwarded exactly once',
  'authz:argument-rule': 'a visible tool denied by an argument rule answers POLICY_DENIED with reasons and decisionId',
  'authz:arguments-as-judged': 'the arguments forwarded are exactly the object the policy judged; anything else is refused',
  'authz:every-method': 'tools/call, resources/read, resources/subscribe, prompts/get and completion/complete are all authorized',
  'authz:unknown-method': 'an unknown method answers -32601 and nothing is forwarded',
  'fail-closed:policy-undefined': 'an undefined decision denies with POLICY_UNDEFINED',
  'fail-closed:non-boolean-allow': 'an allow that is not exactly true (e.g. a string) denies with POLICY_ERROR',
  'fail-closed:policy-error': 'a policy evaluation error denies with POLICY_ERROR, nothing forwarded',
  'fail-closed:reload-keeps-last-good': 'a broken policy set on reload keeps the last good one',
  'audit:before-forward': 'every decision is recorded before anything is forwarded; a denial has a deny row and no outcome',
  'audit:set-level': 'logging/setLevel, which reaches every upstream, is recorded like a call: decision row (with the level) and outcome',
  'visibility:hidden-equals-unknown': 'a tool, prompt or resource the caller may not see answers exactly like one that does not exist',
  'visibility:name-keeps-its-tool': 'a public name once given points at the same tool for the life of the process, while upstreams go and return and across config reloads (issue 13, hole 5)',
  'visibility:lists-filtered': 'tools, prompts, resources and templates lists are filtered per caller, over every upstream transport',
  'composite:step-authorized-as-caller': 'each step of a composite tool is authorized as the calling principal',
} as const;

export type RequirementId = keyof typeof REQUIREMENTS;
