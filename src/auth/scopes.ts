/** Scope policy: reading scopes from claims and deciding what a call lacks (pure). */
import type { ScopePolicy } from '../manifest.js';

/**
 * Scopes granted by a token, from every configured claim: a space-delimited string
 * (`scope`, RFC 9068) or an array of strings (`scp`, `scopes`).
 */
export function scopesFromClaims(claims: Readonly<Record<string, unknown>>, scopeClaims: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const name of scopeClaims) {
    const value = claims[name];
    const items = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const item of items) if (typeof item === 'string' && item !== '') scopes.add(item);
  }
  return [...scopes];
}

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
