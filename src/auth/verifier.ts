/**
 * Bearer token verification with jose (RFC 8725, RFC 9068): exact issuer, audience
 * containing ours, `exp` required, algorithm allowlist, keys only from the issuer's
 * JWKS. Verification failures are the client's (`invalid_token`); a JWKS that cannot
 * be fetched is ours (`unavailable`, 503). Opaque tokens go to introspection (RFC 7662).
 */
import { errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { describeError } from '../errors.js';
import type { ResolvedJwtAuth } from '../manifest.js';
import { authContextFromClaims } from './claims.js';
import { createIntrospector } from './introspection.js';
import { createKeySource, type KeySource } from './key-source.js';
import type { Verification } from './types.js';
import { createVerdictCache } from './verdict-cache.js';

export interface TokenVerifier {
  verify(token: string): Promise<Verification>;
  /**
   * Fetches the JWKS (discovering its URL first if needed); resolves with the key count,
   * or rejects with an Error whose message is `failure`.
   */
  prefetch(): Promise<number>;
  /**
   * Why the last prefetch failed, naming the URL and the cause, e.g. `signing keys could
   * not be fetched from https://auth.example.com/jwks (ECONNREFUSED 10.0.0.5:443)`;
   * undefined once one succeeds. Never holds a token, userinfo or a query string.
   */
  readonly failure: string | undefined;
  /** The JWKS URL, once known. */
  readonly jwksUri: string | undefined;
  /** Whether signing keys are at hand (fetched at least once, or held locally). */
  ready(): boolean;
}

/** What verification needs: a resolved `jwt`/`scalekit` section, or the dev server's own keys. */
export type VerifierConfig = Omit<ResolvedJwtAuth, 'provider' | 'authorizationServers'> & {
  /** Keys held in memory (the dev authorization server's), instead of a JWKS URL. */
  readonly localJwks?: JSONWebKeySet;
  /** Required JWT `typ` header, e.g. `at+jwt` (RFC 9068). */
  readonly typ?: string;
};

/** jose error codes that mean "this token is not acceptable". Anything else is an outage. */
const TOKEN_ERRORS = new Set<string>([
  errors.JWTExpired.code,
  errors.JWTClaimValidationFailed.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JWKInvalid.code,
  errors.JWEInvalid.code,
  errors.JWEDecryptionFailed.code,
]);

export function createTokenVerifier(
  config: VerifierConfig,
  resourceUrl: string,
  onFetch: (outcome: 'ok' | 'error') => void = () => {},
): TokenVerifier {
  const audiences = [...(config.audienceIncludesResource ? [resourceUrl] : []), ...(config.audiences ?? [])];
  const keys = createKeySource(config, onFetch);
  const verifyJwt = createJwtVerification(config, audiences, keys);
  const cached = createVerdictCache(config.tokenCacheSize, config.jwksCacheSec * 1000);
  const introspect =
    config.introspection &&
    createIntrospector(config.introspection, {
      issuer: config.issuers[0]!,
      audiences,
      scopeClaims: config.scopeClaims,
      clockToleranceSec: config.clockToleranceSec,
    });
  return {
    get jwksUri() {
      return keys.jwksUri;
    },
    get failure() {
      return keys.failure;
    },
    ready: () => keys.ready(),
    prefetch: () => keys.prefetch(),
    verify(token) {
      if (introspect && !isJws(token)) return introspect(token);
      return cached(token, () => verifyJwt(token));
    },
  };
}

/** A JWS in compact form has three dot-separated parts; anything else is an opaque token. */
function isJws(token: string): boolean {
  return /^[\w-]+\.[\w-]*\.[\w-]+$/.test(token);
}

/** jwtVerify with `keys`, then the claims read into the caller's context. */
function createJwtVerification(
  config: VerifierConfig,
  audiences: readonly string[],
  keys: KeySource,
): (token: string) => Promise<Verification> {
  const options = {
    issuer: [...config.issuers],
    audience: [...audiences],
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSec,
    requiredClaims: ['exp'],
    ...(config.typ !== undefined && { typ: config.typ }),
  };
  return async (token) => {
    let getKey: JWTVerifyGetKey;
    try {
      getKey = await keys.keys();
    } catch (error) {
      return {
        ok: false,
        error: 'unavailable',
        description: `The authorization server's metadata is unavailable (${describeError(error)})`,
      };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, options));
    } catch (error) {
      return refusalFromJose(error);
    }
    // jose has checked the signature, iss, aud, exp and nbf; the claims' types and order are checked here.
    const verdict = authContextFromClaims(payload, payload.iss!, config);
    return verdict.ok ? verdict : { ok: false, error: 'invalid_token', description: verdict.description };
  };
}

/** A jose failure as a refusal: the token's fault (`invalid_token`), or the keys' (`unavailable`). */
function refusalFromJose(error: unknown): Verification {
  const code = (error as { code?: string }).code;
  if (code !== undefined && TOKEN_ERRORS.has(code))
    return { ok: false, error: 'invalid_token', description: tokenErrorDescription(error) };
  return { ok: false, error: 'unavailable', description: `The signing keys are unavailable (${describeError(error)})` };
}

/** What went wrong, for `error_description`: never the token or its contents. */
function tokenErrorDescription(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The access token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'The token was issued by another authorization server';
      case 'aud':
        return 'The token was not issued for this resource (audience mismatch)';
      case 'exp':
        return error.reason === 'missing'
          ? 'The token has no expiry (exp)'
          : "The token's exp claim is not a valid NumericDate";
      case 'nbf':
        return 'The token is not valid yet (nbf)';
      case 'typ':
        return 'The token is not an access token of the expected type (its typ header is wrong; an ID token is not an access token)';
      default:
        return `The token's "${error.claim}" claim is not acceptable`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'The token is signed with an algorithm this server does not accept';
  if (error instanceof errors.JWKSNoMatchingKey) return 'The token is not signed by a key of the authorization server';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  return 'The access token is malformed or not a signed JWT';
}
