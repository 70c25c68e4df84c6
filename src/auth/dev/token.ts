/** `mcp-serve token`: an access token from the dev authorization server's key, for curl and scripts. */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { DevState } from './state.js';

export const TOKEN_CLIENT_ID = 'mcp-serve-token';

export interface DevTokenRequest {
  readonly resourceUrl: string;
  readonly scopes: readonly string[];
  readonly subject: string;
  readonly ttlSec: number;
}

/** Signs exactly what the dev server's token endpoint would issue (RFC 9068). */
export async function mintDevToken(state: DevState, request: DevTokenRequest): Promise<string> {
  const key = await importJWK(state.signingKey, 'RS256');
  return new SignJWT({ scope: request.scopes.join(' '), client_id: TOKEN_CLIENT_ID })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: state.signingKey.kid! })
    .setIssuer(new URL(request.resourceUrl).origin)
    .setSubject(request.subject)
    .setAudience(request.resourceUrl)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSec}s`)
    .setJti(randomUUID())
    .sign(key);
}

/** `90`, `90s`, `15m`, `1h`, `2d` → seconds; undefined when unreadable. */
export function parseTtl(text: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 ? seconds : undefined;
}
