/**
 * Bearer token verification with jose (RFC 8725, RFC 9068): exact issuer, audience
 * containing ours, `exp` required, algorithm allowlist, keys only from the issuer's
 * JWKS. Verification failures are the client's (`invalid_token`); a JWKS that cannot
 * be fetched is ours (`unavailable`, 503).
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import * as oauth from 'oauth4webapi';
import { describeCause, describeError } from '../errors.js';
import { isLoopbackHost, type ResolvedJwtAuth } from '../manifest.js';
import { authContextFromClaims } from './claims.js';
import { createIntrospector } from './introspection.js';
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

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

const JWKS_OPTIONS = { cooldownDuration: 30_000, timeoutDuration: 5_000 };
const DISCOVERY_RETRY_MS = 30_000;
/** After a failed JWKS fetch, no new fetch for this long: jose's cooldown only follows successes. */
const JWKS_RETRY_MS = 5_000;

/** What verification needs: a resolved `jwt`/`scalekit` section, or the dev server's own keys. */
export type VerifierConfig = Omit<ResolvedJwtAuth, 'provider' | 'authorizationServers'> & {
  /** Keys held in memory (the dev authorization server's), instead of a JWKS URL. */
  readonly localJwks?: JSONWebKeySet;
  /** Required JWT `typ` header, e.g. `at+jwt` (RFC 9068). */
  readonly typ?: string;
};

export function createTokenVerifier(
  config: VerifierConfig,
  resourceUrl: string,
  onFetch: (outcome: 'ok' | 'error') => void = () => {},
): TokenVerifier {
  const audiences = [...(config.audienceIncludesResource ? [resourceUrl] : []), ...(config.audiences ?? [])];
  let jwksUri = config.jwksUri;
  let discovery: Promise<JWTVerifyGetKey> | undefined;
  let discoveryFailedAt = 0;
  let jwksFailedAt = -Infinity;
  let jwksError: unknown;
  let failure: string | undefined;
  // While the JWKS is failing, tokens with made-up `kid`s must not each cost a request
  // to the authorization server: fail fast until the retry pause has passed.
  // Only a real fetch that failed starts the pause: refusals during the pause must not
  // extend it, or steady traffic would keep the server at 503 after the outage ends.
  const jwksOptions = {
    ...JWKS_OPTIONS,
    cacheMaxAge: config.jwksCacheSec * 1000,
    [customFetch]: async (url: string, init: RequestInit) => {
      if (Date.now() - jwksFailedAt < JWKS_RETRY_MS)
        throw new Error('the last JWKS fetch failed; retrying shortly', { cause: jwksError });
      const failed = (error: unknown) => {
        jwksFailedAt = Date.now();
        jwksError = error;
        return error;
      };
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch (error) {
        onFetch('error');
        throw failed(error);
      }
      onFetch(response.ok ? 'ok' : 'error');
      // Thrown here rather than left to jose, whose message does not say which status came back.
      if (!response.ok) throw failed(new Error(`HTTP ${response.status}`));
      return response;
    },
  };

  // The JWKS URL comes from the manifest or, once, from the issuer's metadata. A failed
  // discovery is retried after a cooldown rather than on every request.
  const local = config.localJwks && createLocalJWKSet(config.localJwks);
  let remote: RemoteKeySet | undefined;
  let getKey: JWTVerifyGetKey | undefined = local;
  const useJwks = (uri: string): JWTVerifyGetKey => {
    jwksUri = uri;
    remote = createRemoteJWKSet(new URL(uri), jwksOptions);
    return (getKey = keepingStaleKeys(remote));
  };
  const keySet = (): Promise<JWTVerifyGetKey> => {
    if (getKey) return Promise.resolve(getKey);
    if (jwksUri) return Promise.resolve(useJwks(jwksUri));
    if (discovery && Date.now() - discoveryFailedAt < DISCOVERY_RETRY_MS) return discovery;
    discovery = discoverJwksUri(config.discoveryIssuer).then(useJwks, (error: unknown) => {
      discoveryFailedAt = Date.now();
      throw error;
    });
    return discovery;
  };

  const verifyOptions = {
    issuer: [...config.issuers],
    audience: audiences,
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSec,
    requiredClaims: ['exp'],
    ...(config.typ !== undefined && { typ: config.typ }),
  };
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
      return jwksUri;
    },
    // Keys once fetched keep serving while refetches fail, so one success is enough.
    ready: () => local !== undefined || (remote?.jwks()?.keys.length ?? 0) > 0,
    get failure() {
      return failure;
    },
    async prefetch() {
      if (config.localJwks) return config.localJwks.keys.length;
      try {
        await keySet();
        await remote!.reload();
      } catch (error) {
        failure =
          jwksUri === undefined
            ? `signing keys could not be fetched: ${describeError(error)}`
            : `signing keys could not be fetched from ${urlForLogs(jwksUri)} (${describeCause(error)})`;
        throw new Error(failure, { cause: error });
      }
      failure = undefined;
      return remote!.jwks()?.keys.length ?? 0;
    },
    verify(token) {
      // A JWS has three dot-separated parts; anything else is an opaque token for introspection.
      if (introspect && !/^[\w-]+\.[\w-]*\.[\w-]+$/.test(token)) return introspect(token);
      return cached(token, () => verifyJwt(token));
    },
  };

  async function verifyJwt(token: string): Promise<Verification> {
    let set: JWTVerifyGetKey;
    try {
      set = await keySet();
    } catch (error) {
      return {
        ok: false,
        error: 'unavailable',
        description: `The authorization server's metadata is unavailable (${describeError(error)})`,
      };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, set, verifyOptions));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== undefined && TOKEN_ERRORS.has(code))
        return { ok: false, error: 'invalid_token', description: tokenErrorDescription(error) };
      return {
        ok: false,
        error: 'unavailable',
        description: `The signing keys are unavailable (${describeError(error)})`,
      };
    }
    // jose has checked the signature, iss, aud, exp and nbf; the claims' types and order are checked here.
    const verdict = authContextFromClaims(payload, payload.iss!, config);
    return verdict.ok ? verdict : { ok: false, error: 'invalid_token', description: verdict.description };
  }
}

/**
 * jose refetches keys older than `cacheMaxAge` before verifying and fails when that
 * fetch fails. Keys that are merely old are still the issuer's keys: verify with them,
 * refresh in the background, and fail only for a `kid` they do not have.
 */
function keepingStaleKeys(remote: RemoteKeySet): JWTVerifyGetKey {
  let stale: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    if (remote.fresh) {
      stale = undefined;
      return remote(header, token);
    }
    const keys = stale ? undefined : remote.jwks();
    if (keys) stale = createLocalJWKSet(keys);
    if (!stale) return remote(header, token);
    void remote.reload().catch(() => {});
    try {
      return await stale(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return remote(header, token);
      throw error;
    }
  };
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

/**
 * RFC 8414 metadata first, then OpenID Connect discovery; the issuer must match exactly.
 * Fails naming each metadata URL tried and why it did not serve.
 */
async function discoverJwksUri(issuer: string): Promise<string> {
  const url = new URL(issuer);
  const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  const failures: { url: string; cause: string }[] = [];
  for (const algorithm of ['oauth2', 'oidc'] as const) {
    let fetched = issuer;
    const fetchNoting = (href: string, init: RequestInit) => fetch((fetched = href), init);
    try {
      const response = await oauth.discoveryRequest(url, {
        algorithm,
        [oauth.allowInsecureRequests]: insecure,
        [oauth.customFetch]: fetchNoting,
        signal: AbortSignal.timeout(5_000),
      });
      const metadata = await oauth.processDiscoveryResponse(url, response);
      if (typeof metadata.jwks_uri !== 'string') throw new Error('the metadata has no jwks_uri');
      return metadata.jwks_uri;
    } catch (error) {
      failures.push({ url: urlForLogs(fetched), cause: describeCause(error) });
    }
  }
  const sameCause = failures.every((f) => f.cause === failures[0]!.cause);
  const tried = sameCause
    ? `${failures.map((f) => f.url).join(' or ')} (${failures[0]!.cause})`
    : failures.map((f) => `${f.url} (${f.cause})`).join(' or ');
  throw new Error(`the JWKS URL could not be discovered from ${tried}`);
}

/** A URL for logs and probes: userinfo and the query (which could hold a secret) left out. */
function urlForLogs(href: string): string {
  try {
    const url = new URL(href);
    url.username = url.password = url.search = url.hash = '';
    return url.href;
  } catch {
    return href;
  }
}
