/**
 * Accepted tokens, remembered by their SHA-256 so that a repeated token skips the
 * signature check or the introspection request. The token itself is never kept.
 * Bounded (the oldest entry goes first), and an entry never outlives the token's `exp`
 * nor the age it was stored with. Refusals are not remembered: made-up tokens must
 * not be able to fill the cache.
 */
import { createHash } from 'node:crypto';
import type { AuthContext, Verification } from './types.js';

export type VerdictCache = (token: string, verify: () => Promise<Verification>) => Promise<Verification>;

/** `maxEntries` 0 remembers nothing. */
export function createVerdictCache(maxEntries: number, maxAgeMs: number): VerdictCache {
  if (maxEntries === 0) return (_token, verify) => verify();
  const entries = new Map<string, { auth: AuthContext; until: number }>();
  return async (token, verify) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = entries.get(key);
    if (hit && hit.until > Date.now()) return { ok: true, auth: hit.auth };
    if (hit) entries.delete(key);
    const verdict = await verify();
    if (!verdict.ok) return verdict;
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, { auth: verdict.auth, until: Math.min(verdict.auth.expiresAt * 1000, Date.now() + maxAgeMs) });
    return verdict;
  };
}
