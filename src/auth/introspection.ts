/**
 * Opaque access tokens (RFC 7662): asked of the authorization server's introspection
 * endpoint with oauth4webapi, as this resource server's client. An active answer must
 * name this resource in `aud` and the issuer in `iss` (when given), and is read like a
 * JWT's claims: typed, and not active when its `exp` has passed or its `nbf` is ahead,
 * whatever `active` says (RFC 7662 section 2.2). Answers are cached by the token's
 * SHA-256, never past the token's `exp`; an endpoint that cannot answer fails closed
 * (503), never open.
 */
import * as oauth from 'oauth4webapi';
import { isLoopbackHost } from '../manifest.js';
import { authContextFromClaims } from './claims.js';
import type { Verification } from './types.js';
import { createVerdictCache } from './verdict-cache.js';

export interface IntrospectionConfig {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly cacheSec: number;
}

const MAX_ENTRIES = 10_000;

export function createIntrospector(
  config: IntrospectionConfig,
  expect: { issuer: string; audiences: readonly string[]; scopeClaims: readonly string[]; clockToleranceSec: number },
): (token: string) => Promise<Verification> {
  const as: oauth.AuthorizationServer = { issuer: expect.issuer, introspection_endpoint: config.endpoint };
  const client: oauth.Client = { client_id: config.clientId };
  const clientAuth = oauth.ClientSecretBasic(config.clientSecret);
  const endpoint = new URL(config.endpoint);
  const insecure = endpoint.protocol === 'http:' && isLoopbackHost(endpoint.hostname);
  const cached = createVerdictCache(MAX_ENTRIES, config.cacheSec * 1000);

  const introspect = async (token: string): Promise<Verification> => {
    let claims: oauth.IntrospectionResponse;
    try {
      const response = await oauth.introspectionRequest(as, client, clientAuth, token, {
        [oauth.allowInsecureRequests]: insecure,
        signal: AbortSignal.timeout(5_000),
      });
      claims = await oauth.processIntrospectionResponse(as, client, response);
    } catch (error) {
      return {
        ok: false,
        error: 'unavailable',
        description: `The introspection endpoint did not answer (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    if (claims.active !== true)
      return { ok: false, error: 'invalid_token', description: 'The access token is not active' };
    const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => expect.audiences.includes(a)))
      return {
        ok: false,
        error: 'invalid_token',
        description: 'The token was not issued for this resource (audience mismatch)',
      };
    if (claims.iss !== undefined && claims.iss !== expect.issuer)
      return { ok: false, error: 'invalid_token', description: 'The token was issued by another authorization server' };
    // Without exp, the answer holds for as long as it is cached.
    const verdict = authContextFromClaims(claims, expect.issuer, {
      ...expect,
      expiresAtWithoutExp: Math.floor(Date.now() / 1000) + config.cacheSec,
    });
    return verdict.ok ? verdict : { ok: false, error: 'invalid_token', description: verdict.description };
  };
  return (token) => cached(token, () => introspect(token));
}
