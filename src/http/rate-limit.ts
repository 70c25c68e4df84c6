/**
 * A per-caller token bucket: `burst` requests at once, refilled at `perMinute`. Keys are
 * the token's principal (see `rateLimitKey`). Bounded: the least recently seen keys are
 * forgotten first. With a shared store the buckets live there, one per principal for
 * the whole fleet (store/token-bucket.ts).
 */
import type { Logger } from '../log.js';
import { type Store, StoreUnavailable } from '../store/connection.js';
import { type Taken, takeFromSharedBucket } from '../store/token-bucket.js';

export interface RateLimiter {
  /** Takes one request from `key`'s bucket; when empty, how long until one is back. */
  take(key: string): Taken | Promise<Taken>;
}

const MAX_KEYS = 10_000;

/**
 * The bucket of a request: its token's principal (issuer, subject and client); without
 * authorization, or for a token naming neither a subject nor a client, the client's
 * address, so such callers never share one bucket with every other one.
 */
export function rateLimitKey(principal: string | undefined, address: string | undefined): string {
  // Principals are JSON arrays, so an address key cannot equal one.
  return principal ?? `addr:${address ?? ''}`;
}

export function createRateLimiter(
  options: { perMinute: number; burst: number },
  now: () => number = Date.now,
): { take(key: string): Taken } {
  const perMs = options.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: options.burst, at: t };
      bucket.tokens = Math.min(options.burst, bucket.tokens + (t - bucket.at) * perMs);
      bucket.at = t;
      // Re-inserting keeps the map in least-recently-seen order for eviction.
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > MAX_KEYS) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
    },
  };
}

/**
 * The fleet's buckets, in `store`. While the store cannot answer, each replica limits
 * on its own with its in-memory buckets (fail open to per-replica limits, so calls that
 * need nothing shared keep being served), and says so once per outage.
 */
export function createSharedRateLimiter(
  options: { perMinute: number; burst: number },
  store: Store,
  log: Logger,
): RateLimiter {
  const local = createRateLimiter(options);
  let onLocal = false;
  return {
    async take(key) {
      try {
        const taken = await takeFromSharedBucket(store, key, options);
        if (onLocal) log.info('rate limit: back on the shared buckets');
        onLocal = false;
        return taken;
      } catch (error) {
        if (!(error instanceof StoreUnavailable)) throw error;
        if (!onLocal) log.warn(`rate limit: ${error.message}; each replica limits on its own until it is back`);
        onLocal = true;
        return local.take(key);
      }
    },
  };
}
