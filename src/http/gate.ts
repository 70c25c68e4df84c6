/**
 * The gate in front of the MCP endpoint: the bearer token, then the rate limit. No
 * credentials is the bare challenge (RFC 6750 section 3.1: no error code); malformed
 * ones are `invalid_request` (400) and a refused token `invalid_token` (401), each with
 * a challenge naming the metadata (RFC 9728 section 5.1). A verifier that cannot check
 * the token (keys or introspection unavailable) fails closed with a 503, never open.
 * The rate limit then takes one request from the caller's bucket: the principal's once
 * verified, else the client address's (rate-limit.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { toAuthInfo } from '../auth/auth-info.js';
import { readCredentials } from '../auth/credentials.js';
import type { AuthContext } from '../auth/types.js';
import type { Logger } from '../log.js';
import { type RateLimiter, rateLimitKey } from './rate-limit.js';
import { challengeRefusal, type Refusal } from './respond.js';
import type { HttpSnapshot } from './types.js';

type GateSnapshot = Pick<
  HttpSnapshot,
  'verifier' | 'scopesSupported' | 'resourceUrl' | 'resourceMetadataUrl' | 'rateLimiter'
>;

/**
 * `auth`: the verified caller, for the SDK (`req.auth`), set even when the rate limit
 * refuses, so the access log names who was limited. `refusal`: the answer, when the
 * request goes no further.
 */
export interface GateVerdict {
  readonly auth?: AuthInfo;
  readonly refusal?: Refusal;
}

/** Checks `req`'s credentials (with `url`'s query) and its caller's rate limit. */
export async function passGate(s: GateSnapshot, req: IncomingMessage, url: URL, log: Logger): Promise<GateVerdict> {
  const address = req.socket.remoteAddress;
  if (!s.verifier) return withRefusal({}, await refuseRate(s.rateLimiter, rateLimitKey(undefined, address)));
  const bearer = await checkBearer(s, req, url, log);
  if (!bearer.ok) return { refusal: bearer.refusal };
  const auth = toAuthInfo(bearer.auth, s.resourceUrl, s.resourceMetadataUrl);
  return withRefusal({ auth }, await refuseRate(s.rateLimiter, rateLimitKey(bearer.auth.principal, address)));
}

type Bearer = { ok: true; auth: AuthContext } | { ok: false; refusal: Refusal };

async function checkBearer(s: GateSnapshot, req: IncomingMessage, url: URL, log: Logger): Promise<Bearer> {
  const credentials = readCredentials(req.rawHeaders, url.searchParams);
  if (credentials.kind === 'invalid')
    return refused(
      challengeRefusal(s.resourceMetadataUrl, { error: 'invalid_request', description: credentials.description }),
    );
  if (credentials.kind === 'none')
    return refused(challengeRefusal(s.resourceMetadataUrl, { scopes: s.scopesSupported }));
  const verification = await s.verifier!.verify(credentials.token);
  if (verification.ok) return verification;
  if (verification.error === 'unavailable') {
    // Ours, not the client's: the log says why; the client only that it may retry.
    log.warn(verification.description);
    return refused({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: "The authorization server's keys are unavailable; try again shortly",
      },
      headers: { 'Retry-After': '10' },
    });
  }
  return refused(
    challengeRefusal(s.resourceMetadataUrl, { error: 'invalid_token', description: verification.description }),
  );
}

async function refuseRate(limiter: RateLimiter | undefined, key: string): Promise<Refusal | undefined> {
  const taken = await limiter?.take(key);
  if (!taken || taken.ok) return undefined;
  return {
    status: 429,
    body: { error: 'too_many_requests', error_description: `Rate limit exceeded; retry in ${taken.retryAfterSec} s` },
    headers: { 'Retry-After': String(taken.retryAfterSec) },
    reason: 'rate_limited',
  };
}

function refused(refusal: Refusal): Bearer {
  return { ok: false, refusal };
}

function withRefusal(verdict: GateVerdict, refusal: Refusal | undefined): GateVerdict {
  return refusal ? { ...verdict, refusal } : verdict;
}
