/**
 * `auth.provider: dev`: a real OAuth 2.1 authorization server inside mcp-serve, built
 * on oidc-provider (loaded only here). Issuer = the server's own origin; metadata at
 * both RFC 8414 and OIDC well-known URLs; open dynamic client registration (and
 * Client ID Metadata Documents); authorization code with PKCE S256 only; RFC 8707
 * resource indicators for this MCP server alone; RFC 9068 `at+jwt` access tokens whose
 * `aud` is the MCP URL; refresh tokens. Anyone can sign in as anyone: development only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../../log.js';
import { DEFAULTS } from '../../manifest.js';
import type { VerifierConfig } from '../verifier.js';
import { createAdapterFactory } from './adapter.js';
import { handleInteraction } from './consent.js';
import type { DevState } from './state.js';

export interface DevAuthorizationServer {
  readonly issuer: string;
  /** Whether a request path belongs to the authorization server. */
  handles(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface DevServerOptions {
  readonly resourceUrl: string;
  /** The scopes clients may ask for: every scope the manifest's tools use. */
  readonly scopes: readonly string[];
  readonly serverName: string;
  readonly accessTokenTtlSec: number;
  readonly state: DevState;
  readonly log: Logger;
}

export const DEV_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  jwks: '/oauth/jwks',
  revocation: '/oauth/revoke',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  pushed_authorization_request: '/oauth/par',
} as const;

/** How the resource server checks the tokens this server issues: its own keys, in memory. */
export function devVerifierConfig(issuer: string, state: DevState): VerifierConfig {
  return {
    issuers: [issuer],
    discoveryIssuer: issuer,
    audienceIncludesResource: true,
    algorithms: ['RS256'],
    scopeClaims: ['scope'],
    clockToleranceSec: DEFAULTS.clockToleranceSec,
    jwksCacheSec: DEFAULTS.jwksCacheSec,
    tokenCacheSize: DEFAULTS.tokenCacheSize,
    localJwks: state.publicJwks,
    typ: 'at+jwt',
  };
}

const WELL_KNOWN = new Set(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);

export async function createDevAuthorizationServer(options: DevServerOptions): Promise<DevAuthorizationServer> {
  const { default: Provider, errors } = await import('oidc-provider');
  const { resourceUrl, state, log } = options;
  const issuer = new URL(resourceUrl).origin;
  const configuration: Configuration = {
    adapter: createAdapterFactory(state),
    jwks: { keys: [state.signingKey] },
    cookies: { keys: [...state.cookieKeys] },
    routes: DEV_ROUTES,
    // Clients put these scopes in their registration metadata, so the server must know them.
    scopes: ['openid', 'offline_access', ...options.scopes],
    responseTypes: ['code'],
    // Native by default: loopback http, custom schemes (cursor://...) and claimed https
    // redirect URIs are all accepted, which covers the MCP clients in use.
    clientDefaults: {
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      resourceIndicators: {
        enabled: true,
        // Clients that omit `resource` still get a token for this server; others are refused.
        defaultResource: () => resourceUrl,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resourceUrl)
            throw new errors.InvalidTarget(`this authorization server only issues tokens for ${resourceUrl}`);
          return {
            scope: options.scopes.join(' '),
            audience: resourceUrl,
            accessTokenTTL: options.accessTokenTtlSec,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // Every authorization request shows the consent page, so scopes can be narrowed
    // and stepped up at will; only the grant the page just made is reused.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.['consent']?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (_ctx, error) => log.error(`dev authorization server: ${error.message}`));
  const callback = provider.callback();

  return {
    issuer,
    handles: (pathname) => pathname.startsWith('/oauth/') || WELL_KNOWN.has(pathname),
    async handle(req, res) {
      const url = new URL(req.url ?? '/', issuer);
      if (url.pathname.startsWith('/oauth/interaction/')) {
        return handleInteraction(provider, req, res, {
          serverName: options.serverName,
          resourceUrl,
          scopes: options.scopes,
        });
      }
      // oidc-provider serves the OIDC document; RFC 8414's carries the same metadata.
      if (url.pathname === '/.well-known/oauth-authorization-server')
        req.url = `/.well-known/openid-configuration${url.search}`;
      await new Promise<void>((resolve) => {
        res.once('close', resolve);
        void callback(req, res);
      });
    },
  };
}
