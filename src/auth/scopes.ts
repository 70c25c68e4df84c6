/** Scope policy: reading scopes from claims and deciding what a call lacks (pure). */
import type { ScopePolicy } from '../manifest.js';

/**
 * The forms a scope claim may take: `scope` is a space-delimited string (RFC 9068
 * section 2.2.3, RFC 8693 section 4.2), `scp` (Entra) a string or an array, `scopes`
 * and `permissions` (Auth0 RBAC) arrays of strings. Other configured claims: either.
 */
const SCOPE_CLAIM_FORMS: Readonly<Record<string, 'string' | 'array'>> = {
  scope: 'string',
  scopes: 'array',
  permissions: 'array',
};

/**
 * Scopes granted by a token, from every configured claim; a claim of another type is
 * refused with its name (a token the server cannot read is not read as "no scopes").
 */
export function scopesFromClaims(
  claims: Readonly<Record<string, unknown>>,
  scopeClaims: readonly string[],
): { ok: true; scopes: string[] } | { ok: false; description: string } {
  const scopes = new Set<string>();
  for (const name of scopeClaims) {
    const value = claims[name];
    if (value === undefined) continue;
    const form = SCOPE_CLAIM_FORMS[name];
    const items =
      typeof value === 'string' && form !== 'array'
        ? value.split(' ')
        : Array.isArray(value) && form !== 'string' && value.every((item) => typeof item === 'string')
          ? (value as string[])
          : undefined;
    if (!items)
      return { ok: false, description: `The token's ${name} claim must be ${SCOPE_FORM_TEXT[form ?? 'either']}` };
    for (const item of items) if (item !== '') scopes.add(item);
  }
  return { ok: true, scopes: [...scopes] };
}

const SCOPE_FORM_TEXT = {
  string: 'a space-delimited string',
  array: 'an array of strings',
  either: 'a space-delimited string or an array of strings',
};

/**
 * The scopes to name in a 403 challenge, or undefined when `granted` satisfies
 * the policy. SEP-2350: only what this operation needs. For `allOf` that is the
 * whole set (the client requests it in one step); for `anyOf`, the first
 * alternative, the one the manifest lists as preferred.
 */
export function scopeChallenge(policy: ScopePolicy, granted: readonly string[]): string[] | undefined {
  if (policy.scopes.length === 0) return undefined;
  if (policy.kind === 'allOf') return policy.scopes.every((s) => granted.includes(s)) ? undefined : [...policy.scopes];
  return policy.scopes.some((s) => granted.includes(s)) ? undefined : [policy.scopes[0]!];
}
