import { errors } from 'jose';
import { type ErrorCode, WardenError } from '../errors.ts';

/**
 * Maps anything thrown while verifying a token to a WardenError with a stable AUTH_* code and a
 * message fit for the caller: it names the failed check, never a library message, key or stack.
 * Unknown exceptions fall to AUTH_TOKEN_INVALID (the token is refused either way); the original
 * stays in `cause` for the log.
 */
export function toAuthError(error: unknown): WardenError {
  if (error instanceof WardenError) return error;
  const [code, message] = classify(error);
  return new WardenError(code, message, { cause: error });
}

function classify(error: unknown): [ErrorCode, string] {
  if (error instanceof errors.JWTExpired) return ['AUTH_TOKEN_EXPIRED', 'the token has expired'];
  if (error instanceof errors.JWTClaimValidationFailed) return claimFailure(error.claim, error.reason);
  if (error instanceof errors.JOSEAlgNotAllowed) return ['AUTH_ALGORITHM', 'the token algorithm is not allowed for its issuer'];
  if (error instanceof errors.JWSSignatureVerificationFailed) return ['AUTH_TOKEN_INVALID', 'the token signature does not verify'];
  if (error instanceof errors.JOSENotSupported) {
    return ['AUTH_TOKEN_INVALID', 'the token uses an unsupported feature (crit header or algorithm)'];
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return ['AUTH_TOKEN_INVALID', 'the token is malformed'];
  return ['AUTH_TOKEN_INVALID', 'the token could not be verified'];
}

function claimFailure(claim: string, reason: string): [ErrorCode, string] {
  if (reason === 'missing') return ['AUTH_TOKEN_INVALID', `the token lacks the required "${claim}" claim`];
  if (reason === 'invalid') return ['AUTH_TOKEN_INVALID', `the token "${claim}" claim is not a number`];
  switch (claim) {
    case 'aud':
      return ['AUTH_AUDIENCE', 'the token audience does not name this gateway'];
    case 'iss':
      return ['AUTH_ISSUER', 'the token issuer is not trusted'];
    case 'nbf':
      return ['AUTH_TOKEN_NOT_YET_VALID', 'the token is not valid yet (nbf)'];
    default:
      return ['AUTH_TOKEN_INVALID', `the token "${claim}" claim is invalid`];
  }
}
