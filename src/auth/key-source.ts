/**
 * Where the signing keys come from: keys held in memory (the dev authorization
 * server's), the JWKS URL the manifest names, or the one the issuer's metadata names
 * (discovered once; a failed discovery is retried after a pause, not on every request).
 * Keys come only from the issuer's JWKS, never from the token (RFC 8725 section 3.10).
 * A remote JWKS that fails is not refetched for a moment, whatever the tokens' `kid`s
 * say, and keys once fetched keep serving while a refresh fails.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { describeCause, describeError } from '../errors.js';
import type { ResolvedJwtAuth } from '../manifest.js';
import { discoverJwksUri, urlForLogs } from './discovery.js';

export interface KeySource {
  /** The keys to verify with; rejects while the JWKS URL cannot be discovered. */
  keys(): Promise<JWTVerifyGetKey>;
  /**
   * Fetches the JWKS (discovering its URL first if needed); resolves with the key count,
   * or rejects with an Error whose message is `failure`.
   */
  prefetch(): Promise<number>;
  /** Why the last prefetch failed, naming the URL and the cause; undefined once one succeeds. */
  readonly failure: string | undefined;
  /** The JWKS URL, once known. */
  readonly jwksUri: string | undefined;
  /** Whether signing keys are at hand (fetched at least once, or held locally). */
  ready(): boolean;
}

export type KeySourceConfig = Pick<ResolvedJwtAuth, 'discoveryIssuer' | 'jwksUri' | 'jwksCacheSec'> & {
  /** Keys held in memory, instead of a JWKS URL. */
  readonly localJwks?: JSONWebKeySet;
};

/** `onFetch` hears the outcome of every JWKS request actually sent. */
export type JwksFetchListener = (outcome: 'ok' | 'error') => void;

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

const JWKS_OPTIONS = { cooldownDuration: 30_000, timeoutDuration: 5_000 };
const DISCOVERY_RETRY_MS = 30_000;
/** After a failed JWKS fetch, no new fetch for this long: jose's cooldown only follows successes. */
const JWKS_RETRY_MS = 5_000;

export function createKeySource(config: KeySourceConfig, onFetch: JwksFetchListener): KeySource {
  return config.localJwks ? localKeySource(config.localJwks, config.jwksUri) : remoteKeySource(config, onFetch);
}

function localKeySource(jwks: JSONWebKeySet, jwksUri: string | undefined): KeySource {
  const getKey = createLocalJWKSet(jwks);
  return {
    keys: async () => getKey,
    prefetch: async () => jwks.keys.length,
    failure: undefined,
    jwksUri,
    ready: () => true,
  };
}

function remoteKeySource(config: KeySourceConfig, onFetch: JwksFetchListener): KeySource {
  const jwksOptions = {
    ...JWKS_OPTIONS,
    cacheMaxAge: config.jwksCacheSec * 1000,
    [customFetch]: pacedFetch(onFetch),
  };
  let jwksUri = config.jwksUri;
  let remote: RemoteKeySet | undefined;
  let getKey: JWTVerifyGetKey | undefined;
  let discovery: Promise<JWTVerifyGetKey> | undefined;
  let discoveryFailedAt = 0;
  let failure: string | undefined;

  const useJwks = (uri: string): JWTVerifyGetKey => {
    jwksUri = uri;
    remote = createRemoteJWKSet(new URL(uri), jwksOptions);
    return (getKey = keepingStaleKeys(remote));
  };
  const keys = (): Promise<JWTVerifyGetKey> => {
    if (getKey) return Promise.resolve(getKey);
    if (jwksUri) return Promise.resolve(useJwks(jwksUri));
    if (discovery && Date.now() - discoveryFailedAt < DISCOVERY_RETRY_MS) return discovery;
    discovery = discoverJwksUri(config.discoveryIssuer).then(useJwks, (error: unknown) => {
      discoveryFailedAt = Date.now();
      throw error;
    });
    return discovery;
  };
  return {
    keys,
    get jwksUri() {
      return jwksUri;
    },
    get failure() {
      return failure;
    },
    // Keys once fetched keep serving while refetches fail, so one success is enough.
    ready: () => (remote?.jwks()?.keys.length ?? 0) > 0,
    async prefetch() {
      try {
        await keys();
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
  };
}

/**
 * The fetch jose uses for the JWKS. While the JWKS is failing, tokens with made-up
 * `kid`s must not each cost a request to the authorization server: fail fast until the
 * retry pause has passed. Only a real fetch that failed starts the pause: refusals
 * during the pause must not extend it, or steady traffic would keep the server at 503
 * after the outage ends.
 */
function pacedFetch(onFetch: JwksFetchListener): (url: string, init: RequestInit) => Promise<Response> {
  let failedAt = -Infinity;
  let lastError: unknown;
  const failed = (error: unknown) => {
    failedAt = Date.now();
    lastError = error;
    return error;
  };
  return async (url, init) => {
    if (Date.now() - failedAt < JWKS_RETRY_MS)
      throw new Error('the last JWKS fetch failed; retrying shortly', { cause: lastError });
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
  };
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
