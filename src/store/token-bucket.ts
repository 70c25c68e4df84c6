/**
 * Rate-limit buckets in the store, so that one principal has one bucket across the
 * fleet: the same token bucket as http/rate-limit.ts (`burst` at once, refilled at
 * `perMinute`), updated atomically by one Lua script in one round trip (EVALSHA; the
 * script is sent again only when the store has not seen it). The store's clock is the
 * one clock, so replicas whose clocks disagree still share one refill rate. A bucket
 * expires once it would be full again, so idle principals cost no memory.
 */
import { createHash } from 'node:crypto';
import { ErrorReply } from '@redis/client';
import type { Store, StoreClient } from './connection.js';

export type Taken = { readonly ok: true } | { readonly ok: false; readonly retryAfterSec: number };

export interface BucketLimit {
  readonly perMinute: number;
  readonly burst: number;
}

// KEYS[1]: the bucket. ARGV: burst, perMinute. Returns {1} or {0, ms until a token is back}.
const SCRIPT = `
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 60000
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
local taken = tokens >= 1
if taken then tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
if taken then return {1} end
return {0, math.ceil((1 - tokens) / per_ms)}
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** Takes one request from `key`'s bucket in the store; a `StoreUnavailable` when it cannot. */
export async function takeFromSharedBucket(store: Store, key: string, limit: BucketLimit): Promise<Taken> {
  // Hashed: a bounded key that names no one in the store.
  const bucket = store.key(`rate:${createHash('sha256').update(key).digest('base64url')}`);
  const reply = await store.run((client) => runScript(client, bucket, limit));
  if (reply[0] === 1) return { ok: true };
  return { ok: false, retryAfterSec: Math.max(1, Math.ceil(Number(reply[1]) / 1000)) };
}

async function runScript(client: StoreClient, bucket: string, limit: BucketLimit): Promise<number[]> {
  const options = { keys: [bucket], arguments: [String(limit.burst), String(limit.perMinute)] };
  try {
    return (await client.evalSha(SHA, options)) as number[];
  } catch (error) {
    if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
    return (await client.eval(SCRIPT, options)) as number[];
  }
}
