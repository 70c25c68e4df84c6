/**
 * Opaque access tokens (RFC 7662): asked of the authorization server's introspection
 * endpoint with oauth4webapi, as this resource server's client. An active answer must
 * name this resource in `aud` and the issuer in `iss` (when given). Answers are cached
 * by the token's SHA-256, never past the token's `exp`; an endpoint that cannot answer
 * fails closed (503), never open.
 */
import * as oauth from 'oauth4webapi';
import type { AuthContext } from '../handler-types.js';
import { isLoopbackHost } from '../manifest.js';
import { scopesFromClaims } from './scopes.js';
import { createVerdictCache } from './verdict-cache.js';
import type { Verification } from './verifier.js';

export interface IntrospectionConfig {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly cacheSec: number;
}

const MAX_ENTRIES = 10_000;

export function createIntrospector(config: IntrospectionConfig, expect: { issuer: string; audiences: readonly string[]; scopeClaims: readonly string[] }): (token: string) => Promise<Verification> {
  const as: oauth.AuthorizationServer = { issuer: expect.issuer, introspection_endpoint: config.endpoint };
  const client: oauth.Client = { client_id: config.clientId };
  const clientAuth = oauth.ClientSecretBasic(config.clientSecret);
  const endpoint = new URL(config.endpoint);
  const insecure = endpoint.protocol === 'http:' && isLoopbackHost(endpoint.hostname);
  const cached = createVerdictCache(MAX_ENTRIES, config.cacheSec * 1000);

  const introspect = async (token: string): Promise<Verification> => {
    let claims: oauth.IntrospectionResponse;
    try {
      const response = await oauth.introspectionRequest(as, client, clientAuth, token, { [oauth.allowInsecureRequests]: insecure, signal: AbortSignal.timeout(5_000) });
      claims = await oauth.processIntrospectionResponse(as, client, response);
    } catch (error) {
      return { ok: false, error: 'unavailable', description: `The introspection endpoint did not answer (${error instanceof Error ? error.message : String(error)})` };
    }
    if (claims.active !== true) return { ok: false, error: 'invalid_token', description: 'The access token is not active' };
    const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => expect.audiences.includes(a))) return { ok: false, error: 'invalid_token', description: 'The token was not issued for this resource (audience mismatch)' };
    if (claims.iss !== undefined && claims.iss !== expect.issuer) return { ok: false, error: 'invalid_token', description: 'The token was issued by another authorization server' };
    const exp = typeof claims.exp === 'number' ? claims.exp : Math.floor(Date.now() / 1000) + config.cacheSec;
    const clientId = claims.client_id;
    const auth: AuthContext = Object.freeze({
      subject: typeof claims.sub === 'string' ? claims.sub : undefined,
      clientId: typeof clientId === 'string' ? clientId : undefined,
      scopes: Object.freeze(scopesFromClaims(claims as Record<string, unknown>, expect.scopeClaims)),
      claims: Object.freeze({ ...claims }),
      expiresAt: exp,
    });
    return { ok: true, auth };
  };
  return (token) => cached(token, () => introspect(token));
}
