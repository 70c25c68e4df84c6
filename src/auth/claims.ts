/**
 * From a verified token's claims (a JWT after jose, or an introspection answer) to the
 * caller's `AuthContext`: the one place that reads who is calling and what they may do.
 * Claims are checked by type and the times by order (RFC 7519 section 4.1, RFC 9068
 * section 2.2, RFC 7662 section 2.2): a claim of the wrong type is a refusal naming it,
 * never a silent "absent" or an object handed to handlers.
 */

import { scopesFromClaims } from './scopes.js';
import type { AuthContext } from './types.js';

export interface ClaimsPolicy {
  readonly scopeClaims: readonly string[];
  readonly clockToleranceSec: number;
  /** Expiry to assume when the claims carry no `exp` (an introspection answer may omit it); otherwise `exp` is required. */
  readonly expiresAtWithoutExp?: number;
}

export type ClaimsVerdict = { ok: true; auth: AuthContext } | { ok: false; description: string };

/** Claims naming the caller: a non-empty string when present (RFC 7519 StringOrURI; RFC 9068 section 2.2). */
const IDENTITY_CLAIMS = ['sub', 'client_id', 'azp', 'cid'] as const;

/**
 * The caller's context from `claims`, issued by `issuer`. The client is `client_id`
 * (RFC 9068, RFC 7662), else `azp` (OpenID Connect), else `cid` (Okta).
 */
export function authContextFromClaims(
  claims: Readonly<Record<string, unknown>>,
  issuer: string,
  policy: ClaimsPolicy,
  nowSec = Date.now() / 1000,
): ClaimsVerdict {
  for (const name of IDENTITY_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      return { ok: false, description: `The token's ${name} claim must be a non-empty string` };
  }
  const times = checkTimes(claims, policy, nowSec);
  if (typeof times === 'string') return { ok: false, description: times };
  const scopes = scopesFromClaims(claims, policy.scopeClaims);
  if (!scopes.ok) return scopes;
  const subject = claims['sub'] as string | undefined;
  const clientId = (claims['client_id'] ?? claims['azp'] ?? claims['cid']) as string | undefined;
  return {
    ok: true,
    auth: freezeAuthContext({
      issuer,
      subject,
      clientId,
      principal: principalKey(issuer, subject, clientId),
      scopes: scopes.scopes,
      claims: { ...claims },
      expiresAt: times.expiresAt,
    }),
  };
}

/** `iat`, `nbf`, `exp` are NumericDates in order: not issued in the future, not used before `nbf` nor after `exp`. */
function checkTimes(
  claims: Readonly<Record<string, unknown>>,
  policy: ClaimsPolicy,
  now: number,
): { expiresAt: number } | string {
  for (const name of ['iat', 'nbf', 'exp']) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      return `The token's ${name} claim must be a NumericDate (seconds since the epoch)`;
  }
  const { iat, nbf, exp } = claims as { iat?: number; nbf?: number; exp?: number };
  const tolerance = policy.clockToleranceSec;
  if (exp === undefined && policy.expiresAtWithoutExp === undefined) return 'The token has no expiry (exp)';
  if (exp !== undefined && exp <= now - tolerance) return 'The access token expired';
  if (nbf !== undefined && nbf > now + tolerance) return 'The token is not valid yet (nbf)';
  if (iat !== undefined && iat > now + tolerance) return 'The token was issued in the future (iat)';
  if (iat !== undefined && exp !== undefined && exp <= iat)
    return 'The token expires before it was issued (exp is not after iat)';
  return { expiresAt: exp ?? policy.expiresAtWithoutExp! };
}

/**
 * The principal as one stable string: issuer, subject and client as a JSON array, so no
 * two different triples give the same key (plain concatenation could: "a|b" + "c" vs
 * "a" + "b|c"). Undefined when the token names neither a subject nor a client: such a
 * token is no one in particular, and gets nothing that is kept per caller.
 */
export function principalKey(
  issuer: string,
  subject: string | undefined,
  clientId: string | undefined,
): string | undefined {
  if (subject === undefined && clientId === undefined) return undefined;
  return JSON.stringify([issuer, subject ?? null, clientId ?? null]);
}

/** Frozen, so a handler cannot change what the next one sees; also applied to the copy a worker receives. */
export function freezeAuthContext(auth: AuthContext): AuthContext {
  return Object.freeze({ ...auth, scopes: Object.freeze([...auth.scopes]), claims: Object.freeze({ ...auth.claims }) });
}

/** The caller as the access log and the audit records name it: never the token. */
export function callerFields(auth: AuthContext | undefined): { issuer?: string; subject?: string; clientId?: string } {
  if (!auth) return {};
  return {
    issuer: auth.issuer,
    ...(auth.subject !== undefined && { subject: auth.subject }),
    ...(auth.clientId !== undefined && { clientId: auth.clientId }),
  };
}
