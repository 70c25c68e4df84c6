/**
 * A snapshot is everything one manifest load serves with: the metadata document,
 * the token verifier, the MCP endpoint (mcp/endpoint.ts). Built completely before it
 * is used, never per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  type McpHttpHandler,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { DevAuthorizationServer } from '../auth/dev/server.js';
import { buildResourceMetadata, resourceMetadataPaths, resourceMetadataUrl } from '../auth/metadata.js';
import { createTokenVerifier, type TokenVerifier } from '../auth/verifier.js';
import type { LoadedManifest } from '../config/index.js';
import { createRateLimiter, createSharedRateLimiter, type RateLimiter } from '../http/rate-limit.js';
import type { ReadBody } from '../http/read-body.js';
import type { Logger } from '../log.js';
import { isLoopbackHost } from '../manifest.js';
import { type McpBlueprint, prepareMcp } from '../mcp/blueprint.js';
import { createMcpEndpoint } from '../mcp/endpoint.js';
import type { FastPath } from '../mcp/fast-path.js';
import type { Sessions } from '../mcp/sessions.js';
import type { Observer } from '../observe.js';
import type { SharedStore } from '../store/shared.js';
import type { Tasks } from '../tasks/engine.js';

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
  /** The store replicas share (`store`); it outlives the snapshot (runtime/stores.ts). */
  readonly store: SharedStore | undefined;
  /** `http.metrics` and `http.accessLog`, for the HTTP layer. */
  readonly metrics: boolean;
  readonly accessLog: boolean;
  /** The fast path's servers (mcp/fast-path.ts); absent when switched off. */
  readonly fastPath: FastPath | undefined;
  /** Closes what this load keeps open (the fast path's servers), once no request is left on it. */
  close(): Promise<void>;
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
  /** Whether loads serve what they can on the fast path (mcp/fast-path.ts). */
  readonly fastPath: boolean;
  /** Tasks outlive loads: a task's handler runs on the version it started on. */
  readonly tasks: Tasks;
}

/**
 * The auth of one load, its MCP blueprint and endpoint, and the metadata the listener
 * serves. `store`: the shared store the manifest names, opened by the runtime.
 */
export async function buildSnapshot(
  loaded: LoadedManifest,
  resourceUrl: string,
  log: Logger,
  shared: SharedState,
  store?: SharedStore,
): Promise<Snapshot> {
  const { manifest } = loaded;
  const { verifier, authorizationServer } = await createAuth(loaded, resourceUrl, log, shared.observer);
  const publicHost = new URL(resourceUrl).hostname;
  const blueprint = prepareMcp(loaded, log, shared.resourceUpdated, shared.observer, store?.sealKey.get, shared.tasks);
  const endpoint = await createMcpEndpoint({
    manifest,
    blueprint,
    resourceMetadataUrl: resourceMetadataUrl(resourceUrl),
    bus: shared.bus,
    sessions: shared.sessions,
    streamRetryMs: shared.streamRetryMs,
    fastPath: shared.fastPath,
    ...(store && {
      storeDown: () => {
        const health = store.connection.health();
        return health.up ? undefined : `the shared store ${store.connection.url} is unreachable: ${health.reason}`;
      },
    }),
    log,
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
    serveMcp: endpoint.serve,
    mcp: endpoint.mcp,
    blueprint,
    rateLimiter: rateLimiterOf(manifest.http.rateLimit, store, log),
    store,
    metrics: manifest.http.metrics,
    accessLog: manifest.http.accessLog,
    fastPath: endpoint.fastPath,
    close: endpoint.close,
  };
}

function rateLimiterOf(
  limit: LoadedManifest['manifest']['http']['rateLimit'],
  store: SharedStore | undefined,
  log: Logger,
): RateLimiter | undefined {
  if (!limit) return undefined;
  return store ? createSharedRateLimiter(limit, store.connection, log) : createRateLimiter(limit);
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
