/**
 * How the listener answers: JSON bodies, and refusals. A refusal is a value (status,
 * body, headers) that the checks return and this module sends; its `reason` is noted
 * for the access log and the metrics, and is never anything about the token.
 */
import type { ServerResponse } from 'node:http';
import { type Challenge, challengeBody, challengeHeader, challengeStatus } from '../auth/challenge.js';

export interface Refusal {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  /** Why, for the access log (`bad_request`, `rate_limited`, ...); absent for a refusal it does not count. */
  readonly reason?: string;
}

const refusals = new WeakMap<ServerResponse, string>();

/** Why the request answered by `res` was refused; a 403 from the SDK is a scope refusal. */
export function refusalReason(res: ServerResponse): string | undefined {
  return refusals.get(res) ?? (res.statusCode === 403 ? 'insufficient_scope' : undefined);
}

export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  if (refusal.reason !== undefined) refusals.set(res, refusal.reason);
  sendJson(res, refusal.status, refusal.body, refusal.headers);
}

/** A `WWW-Authenticate: Bearer` challenge (RFC 6750 section 3) pointing at the metadata (RFC 9728 section 5.1). */
export function challengeRefusal(resourceMetadata: string, c: Omit<Challenge, 'resourceMetadata'>): Refusal {
  const challenge = { ...c, resourceMetadata };
  return {
    status: challengeStatus(challenge),
    body: challengeBody(challenge),
    headers: { 'WWW-Authenticate': challengeHeader(challenge) },
    reason: c.error ?? 'no_token',
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
