/**
 * Who is calling, as every part of the server sees it: the verified caller handed to
 * handlers, and the outcome of checking a token. A leaf: it imports nothing of ours.
 */

/** What a handler learns about the caller. Never the raw token. */
export interface AuthContext {
  /** The authorization server that issued the token (its `iss`). */
  readonly issuer: string;
  /** The token's `sub`. */
  readonly subject: string | undefined;
  /** The OAuth client the token was issued to (`client_id`, else `azp` or `cid`). */
  readonly clientId: string | undefined;
  /**
   * Who is calling, as one opaque string: issuer, subject and client together. The same
   * caller has the same principal across tokens; key per-caller state on it rather than
   * on `subject` alone. Undefined for a token that names neither a subject nor a client.
   */
  readonly principal: string | undefined;
  /** Scopes granted to the token. */
  readonly scopes: readonly string[];
  /** All verified claims of the access token. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Expiry, seconds since the epoch. */
  readonly expiresAt: number;
}

/** The outcome of checking a bearer token: the caller, or why not (`unavailable`: our side, a 503). */
export type Verification =
  | { ok: true; auth: AuthContext }
  | { ok: false; error: 'invalid_token' | 'unavailable'; description: string };
