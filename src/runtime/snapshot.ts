/**
 * A snapshot is everything one manifest load serves with: the metadata document,
 * the token verifier, the SDK handler. Built completely before it is used, never per
 * request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  type McpHandlerRequestOptions,
  type McpHttpHandler,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { DevAuthorizationServer } from '../auth/dev/server.js';
import { buildResourceMetadata, resourceMetadataPaths, resourceMetadataUrl } from '../auth/metadata.js';
import { createTokenVerifier, type TokenVerifier } from '../auth/verifier.js';
import type { LoadedManifest } from '../config/index.js';
import { createRateLimiter, type RateLimiter } from '../http/rate-limit.js';
import { type ReadBody, serveReadBody } from '../http/read-body.js';
import type { Logger } from '../log.js';
import { isLoopbackHost } from '../manifest.js';
import type { PreparedItem } from '../mcp/item.js';
import { createServerFactory, type McpBlueprint, namedItem, prepareMcp } from '../mcp/server.js';
import type { Sessions } from '../mcp/sessions.js';
import { createSubscriptionGate } from '../mcp/subscriptions.js';
import type { Observer } from '../observe.js';

export interface Snapshot {
  readonly loaded: LoadedManifest;
  readonly path: string;
  readonly resourceUrl: string;
  readonly resourceMetadataUrl: string;
  readonly metadataPaths: ReadonlySet<string>;
  readonly metadataJson: string;
  readonly scopesSupported: readonly string[];
  /** Absent for `auth.provider: none`. */
  readonly verifier: TokenVerifier | undefined;
  /** The built-in authorization server, for `auth.provider: dev`. */
  readonly authorizationServer: DevAuthorizationServer | undefined;
  /** Host names accepted in `Host`; absent when not bound to loopback. */
  readonly allowedHosts: string[] | undefined;
  readonly allowedOrigins: string[];
  readonly maxBodyBytes: number;
  /** `body`: the JSON body of a POST, when the caller has read it. */
  readonly serveMcp: (req: IncomingMessage, res: ServerResponse, body?: ReadBody) => Promise<void>;
  readonly mcp: McpHttpHandler;
  readonly blueprint: McpBlueprint;
  /** Per-caller limit on the MCP endpoint, when the manifest sets one. */
  readonly rateLimiter: RateLimiter | undefined;
}

/** What outlives a snapshot: the event bus of 2026-07-28 listeners, and 2025-11-25 sessions. */
export interface SharedState {
  readonly bus: ServerEventBus;
  readonly sessions: Sessions;
  /** Announces a resource change to subscribers of every era (ctx.notifyResourceUpdated). */
  readonly resourceUpdated: (uri: string) => void;
  readonly observer: Observer;
  /** The reconnection delay suggested at the start of every SSE stream. */
  readonly streamRetryMs: number;
}

export async function buildSnapshot(
  loaded: LoadedManifest,
  resourceUrl: string,
  log: Logger,
  shared: SharedState,
): Promise<Snapshot> {
  const { manifest } = loaded;
  const { bus, sessions } = shared;
  const { verifier, authorizationServer } = await createAuth(loaded, resourceUrl, log, shared.observer);
  const publicHost = new URL(resourceUrl).hostname;
  const blueprint = prepareMcp(loaded, log, shared.resourceUpdated, shared.observer);
  const refuseSubscription = createSubscriptionGate(
    manifest.resources,
    manifest.resourceTemplates,
    resourceMetadataUrl(resourceUrl),
  );
  // What each request names, recorded by the router below for the server factory.
  const named = new WeakMap<Request, PreparedItem>();
  const mcp = createMcpHandler(
    createServerFactory(blueprint, (request) => named.get(request)),
    {
      maxRequestBodySize: manifest.http.maxBodyBytes,
      bus,
      onerror: (error) => log.debug(`mcp: ${error.message}`),
    },
  );
  // Session requests go to the sessions; everything else to the SDK's handler, which
  // serves 2026-07-28 and, statelessly, session-less 2025-11-25 requests.
  const routed = {
    async fetch(request: Request, options?: McpHandlerRequestOptions) {
      // The body arrives parsed (read once by the listener): batches and session
      // openings are decided on it, and the SDK reads nothing again.
      const body = options?.parsedBody;
      const refused = refuseBatch(request, body) ?? refuseSubscription(body, options?.authInfo);
      if (refused) return refused;
      const claim = manifest.http.sessions ? await sessions.claims(request, body, options?.authInfo) : undefined;
      if (claim) return sessions.fetch(request, claim.body, options, blueprint);
      const item = namedItem(blueprint, body);
      if (item) named.set(request, item);
      const response = await mcp.fetch(request, options);
      // The SDK has checked that Mcp-Method agrees with the body.
      return (body as { method?: unknown } | undefined)?.method === 'subscriptions/listen'
        ? withRetryHint(response, shared.streamRetryMs)
        : response;
    },
  };
  const serveUnread = toNodeHandler(routed, {
    maxRequestBodySize: manifest.http.maxBodyBytes,
    // A client that hangs up mid-request is routine, not an error of ours.
    onerror: (error) =>
      (error.name === 'AbortError' || error.message === 'aborted' ? log.debug : log.error)(
        `mcp handler: ${error.message}`,
      ),
  });
  return {
    loaded,
    path: manifest.http.path,
    resourceUrl,
    resourceMetadataUrl: resourceMetadataUrl(resourceUrl),
    metadataPaths: new Set(resourceMetadataPaths(manifest.http.path)),
    metadataJson: JSON.stringify(
      buildResourceMetadata(manifest, resourceUrl, authorizationServer && [authorizationServer.issuer]),
    ),
    scopesSupported: manifest.resource.scopes_supported,
    verifier,
    authorizationServer,
    allowedHosts: isLoopbackHost(manifest.http.host)
      ? [...localhostAllowedHostnames(), publicHost, ...manifest.http.allowedHosts]
      : undefined,
    allowedOrigins: [...localhostAllowedOrigins(), publicHost, ...manifest.http.allowedOrigins],
    maxBodyBytes: manifest.http.maxBodyBytes,
    serveMcp: (req, res, body) => (body ? serveReadBody(routed, req, res, body) : serveUnread(req, res)),
    mcp,
    blueprint,
    rateLimiter: manifest.http.rateLimit && createRateLimiter(manifest.http.rateLimit),
  };
}

async function createAuth(
  loaded: LoadedManifest,
  resourceUrl: string,
  log: Logger,
  observer: Observer,
): Promise<Pick<Snapshot, 'verifier' | 'authorizationServer'>> {
  const { manifest } = loaded;
  const { auth } = manifest;
  if (auth.provider === 'none') return { verifier: undefined, authorizationServer: undefined };
  if (auth.provider !== 'dev')
    return { verifier: createTokenVerifier(auth, resourceUrl, observer.jwksFetch), authorizationServer: undefined };
  // Loaded only here: manifests without provider "dev" never import oidc-provider.
  const dev = await import('../auth/dev/index.js');
  const state = await dev.openDevState(manifest.dir);
  const authorizationServer = await dev.createDevAuthorizationServer({
    resourceUrl,
    scopes: manifest.resource.scopes_supported,
    serverName: manifest.server.title ?? manifest.server.name,
    accessTokenTtlSec: auth.accessTokenTtlSec,
    state,
    log,
  });
  return {
    verifier: createTokenVerifier(dev.devVerifierConfig(authorizationServer.issuer, state), resourceUrl),
    authorizationServer,
  };
}

/**
 * Opens an SSE response with a `retry` field, so that a client whose subscription
 * ends (a restart, a deploy) knows how soon to listen again.
 */
function withRetryHint(response: Response, retryMs: number): Response {
  if (response.body === null || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  const hint = new TextEncoder().encode(`retry: ${retryMs}\n\n`);
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({ start: (controller) => controller.enqueue(hint) }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Revisions whose POST body is one JSON-RPC message: batching was removed in 2025-06-18. */
const WITHOUT_BATCHES = new Set(['2025-06-18', '2025-11-25']);

/** A 400 for a JSON-RPC batch (`body`, the parsed POST body) under a revision without batches (the SDK would run it). */
function refuseBatch(request: Request, body: unknown): Response | undefined {
  if (!Array.isArray(body)) return undefined;
  const version = request.headers.get('mcp-protocol-version');
  if (version === null || !WITHOUT_BATCHES.has(version)) return undefined;
  return Response.json(
    {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: `Protocol revision ${version} takes one JSON-RPC message per request, not a batch`,
      },
    },
    { status: 400 },
  );
}
