/**
 * Bearer tokens as the tests that send them need them: minted by a test authority and
 * remembered (so that a test can check none of them reached a log line), claims and
 * segments for tokens built by hand, the challenge a server answers with, and the exact
 * descriptions it gives a refused token (RFC 6750 section 3).
 */
import type { JWTPayload } from 'jose';
import type { Authority, MintOptions } from './authority.js';

/** Now in seconds since the epoch, as JWT NumericDates count (RFC 7519 section 2). */
export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** One JWS segment: a string's bytes, or a value's JSON, base64url-encoded. */
export const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The `Authorization: Bearer <token>` header (RFC 6750 section 2.1), as a fetch header record. */
export const bearerAuth = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

/** Claims a resource at `audience` accepts from `issuer`, for tokens built by hand: subject mallory, 300 s left. */
export function acceptedClaims(issuer: string, audience: string, scope: string): JWTPayload {
  return { iss: issuer, aud: audience, sub: 'mallory', exp: nowSec() + 300, scope };
}

/** The path-inserted RFC 9728 metadata URL of a resource served at `<origin>/mcp`. */
export function metadataUrlOf(resourceUrl: string): string {
  return `${new URL(resourceUrl).origin}/.well-known/oauth-protected-resource/mcp`;
}

/**
 * The exact `WWW-Authenticate` header a resource at `resourceUrl` sends: `Bearer a="1",
 * b="2", resource_metadata="<its metadata URL>"`, parameters in the order given.
 */
export function bearerChallenge(resourceUrl: string, params: readonly (readonly [string, string])[]): string {
  return `Bearer ${[...params, ['resource_metadata', metadataUrlOf(resourceUrl)]].map(([k, v]) => `${k}="${v}"`).join(', ')}`;
}

/** The tokens one test file sent: every one is kept, for the check that no log line holds any. */
export interface TokenLedger {
  /** Every token minted or remembered so far. */
  readonly tokens: ReadonlySet<string>;
  /** Keeps a token built by hand, and returns it. */
  remember(token: string): string;
  /** A token signed by the authority (its defaults under `claims`), kept. */
  mint(claims: JWTPayload & Record<string, unknown>, options?: MintOptions): Promise<string>;
}

/**
 * `authority` is asked for at each mint, since test files start theirs in `before`.
 * With `jtiPrefix`, every minted token gets a fresh `jti` (`<prefix>-1`, `<prefix>-2`,
 * ...) unless `claims` gives one, so that equal claims minted in the same second still
 * make distinct tokens.
 */
export function createTokenLedger(authority: () => Authority, options: { jtiPrefix?: string } = {}): TokenLedger {
  const tokens = new Set<string>();
  let minted = 0;
  const remember = (token: string): string => {
    tokens.add(token);
    return token;
  };
  return {
    tokens,
    remember,
    async mint(claims, mintOptions) {
      const jti = options.jtiPrefix === undefined ? {} : { jti: `${options.jtiPrefix}-${++minted}` };
      return remember(await authority().mint({ ...jti, ...claims }, mintOptions));
    },
  };
}

// The descriptions of a 401 invalid_token, as src/auth/verifier.ts and src/auth/claims.ts give them.
export const EXPIRED = 'The access token expired';
export const NO_EXP = 'The token has no expiry (exp)';
export const NOT_YET = 'The token is not valid yet (nbf)';
export const WRONG_ISS = 'The token was issued by another authorization server';
export const WRONG_AUD = 'The token was not issued for this resource (audience mismatch)';
export const BAD_ALG = 'The token is signed with an algorithm this server does not accept';
export const BAD_SIG = 'The token signature is invalid';
export const NO_KEY = 'The token is not signed by a key of the authorization server';
export const MALFORMED = 'The access token is malformed or not a signed JWT';
export const ISSUED_IN_FUTURE = 'The token was issued in the future (iat)';
export const EXP_BEFORE_IAT = 'The token expires before it was issued (exp is not after iat)';
/** An identity claim (`sub`, `client_id`, `azp`, `cid`) of the wrong type or empty. */
export const mustBeString = (claim: string): string => `The token's ${claim} claim must be a non-empty string`;
