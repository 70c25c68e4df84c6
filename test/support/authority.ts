/**
 * A real token issuer for tests: an HTTP server on 127.0.0.1 that serves RFC 8414
 * metadata and a JWKS, and signs JWT access tokens with its private key.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface MintOptions {
  alg?: 'RS256' | 'ES256';
  kid?: string;
  typ?: string;
  /** Seconds from now; `null` leaves `exp` out. Default 300. */
  expiresIn?: number | null;
  /** Sign with this key instead of the authority's (a foreign key). */
  key?: CryptoKey;
}

export interface Authority {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Number of JWKS requests served so far. */
  readonly jwksRequests: number;
  /** Public RSA key as a JWK (for forging HS256 tokens "signed with the public key"). */
  readonly publicJwk: JWK;
  /** While true, the JWKS and metadata endpoints answer 503. */
  down: boolean;
  /** Signs `claims` (merged over iss, aud, sub, exp defaults). */
  mint(claims: JWTPayload & Record<string, unknown>, options?: MintOptions): Promise<string>;
  /**
   * Issues an opaque token that /introspect answers for (RFC 7662), with these claims:
   * inactive once its `exp` has passed, unless `contradictory`, which answers
   * `active: true` whatever the claims say (a broken or hostile endpoint).
   */
  issueOpaque(claims: Record<string, unknown>, options?: { contradictory?: boolean }): string;
  /** Requests /introspect received (authenticated or not). */
  readonly introspectionRequests: number;
  close(): Promise<void>;
}

/** The client the authority accepts at /introspect (HTTP Basic). */
export const INTROSPECTION_CLIENT = { id: 'resource-server', secret: 'introspection-secret' };

export async function startAuthority(options: { audience?: string } = {}): Promise<Authority> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
  let jwksRequests = 0;
  let introspectionRequests = 0;
  const opaque = new Map<string, { claims: Record<string, unknown>; contradictory: boolean }>();
  const state = { down: false };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.down) return send(503, { error: 'down' });
    if (req.url === '/jwks' || req.url === '/keys') {
      jwksRequests++;
      return send(200, { keys: [rsaJwk, ecJwk] });
    }
    if (req.url === '/.well-known/oauth-authorization-server' || req.url === '/.well-known/openid-configuration') {
      return send(200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        introspection_endpoint: `${issuer}/introspect`,
        response_types_supported: ['code'],
      });
    }
    if (req.url === '/introspect' && req.method === 'POST') {
      introspectionRequests++;
      // RFC 6749 section 2.3.1: id and secret are form-urlencoded, then joined and base64-encoded.
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const [id = '', secret = ''] = Buffer.from(basic, 'base64')
        .toString()
        .split(':')
        .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      if (id !== INTROSPECTION_CLIENT.id || secret !== INTROSPECTION_CLIENT.secret)
        return send(401, { error: 'invalid_client' });
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        const { claims, contradictory = false } = opaque.get(token) ?? {};
        const live =
          claims && (contradictory || typeof claims['exp'] !== 'number' || claims['exp'] > Date.now() / 1000);
        send(200, live ? { active: true, iss: issuer, ...claims } : { active: false });
      });
      return;
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    get jwksRequests() {
      return jwksRequests;
    },
    get introspectionRequests() {
      return introspectionRequests;
    },
    issueOpaque(claims, opaqueOptions = {}) {
      const token = `opaque-${randomUUID()}`;
      opaque.set(token, {
        claims: { client_id: 'test-client', exp: Math.floor(Date.now() / 1000) + 300, ...claims },
        contradictory: opaqueOptions.contradictory ?? false,
      });
      return token;
    },
    publicJwk: rsaJwk,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    async mint(claims, mintOptions = {}) {
      const alg = mintOptions.alg ?? 'RS256';
      const key = mintOptions.key ?? (alg === 'RS256' ? rsa.privateKey : ec.privateKey);
      const now = Math.floor(Date.now() / 1000);
      const expiresIn = mintOptions.expiresIn === undefined ? 300 : mintOptions.expiresIn;
      const payload: JWTPayload = {
        iss: issuer,
        sub: 'alice',
        iat: now,
        client_id: 'test-client',
        ...(options.audience !== undefined && { aud: options.audience }),
        ...(expiresIn !== null && { exp: now + expiresIn }),
        ...claims,
      };
      return new SignJWT(payload)
        .setProtectedHeader({
          alg,
          kid: mintOptions.kid ?? (alg === 'RS256' ? 'rsa-1' : 'ec-1'),
          typ: mintOptions.typ ?? 'at+jwt',
        })
        .sign(key);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
