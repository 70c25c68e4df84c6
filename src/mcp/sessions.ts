/**
 * 2025-11-25 sessions. An `initialize` opens one: `Mcp-Session-Id` from the CSPRNG, an
 * SDK streamable-HTTP transport (GET stream, DELETE), and a server whose tools follow
 * reloads, so a reload reaches its client as `notifications/tools/list_changed`. A
 * session belongs to the principal (issuer, subject and client) whose token opened it:
 * any other token gets 404, as if it did not exist. A token naming neither a subject
 * nor a client is no one in particular and gets no session: its initialize is served
 * statelessly, like every request without a session id.
 */
import { randomUUID } from 'node:crypto';
import {
  type AuthInfo,
  isInitializeRequest,
  isLegacyRequest,
  type McpHandlerRequestOptions,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import type { Logger } from '../log.js';
import type { McpBlueprint } from './blueprint.js';
import { createEventStore } from './event-store.js';
import { createLiveServer, type LiveServer } from './servers.js';

export interface SessionOptions {
  readonly maxSessions: number;
  /** A session unused for this long is closed. */
  readonly idleMs: number;
  readonly maxBodyBytes: number;
  /** Events kept per session for replay after a dropped stream. */
  readonly maxEvents: number;
  /** Reconnection delay suggested to clients, in ms. */
  readonly retryMs: number;
  readonly log: Logger;
}

interface Session {
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly live: LiveServer;
  readonly owner: string;
  lastSeen: number;
}

export interface Sessions {
  /**
   * Whether this request belongs to session handling (it names a session, or opens one).
   * `body` is the parsed POST body, read once by the caller; `authInfo`, the verified caller.
   */
  claims(request: Request, body: unknown, authInfo: AuthInfo | undefined): Promise<{ body: unknown } | undefined>;
  fetch(
    request: Request,
    body: unknown,
    options: McpHandlerRequestOptions | undefined,
    blueprint: McpBlueprint,
  ): Promise<Response>;
  /** Points every open session at a reloaded manifest. */
  update(blueprint: McpBlueprint): void;
  /** Tells the sessions subscribed to `uri` that it changed. */
  resourceUpdated(uri: string): void;
  readonly size: number;
  close(): Promise<void>;
}

const NOT_FOUND = { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } };

export function createSessions(options: SessionOptions): Sessions {
  const sessions = new Map<string, Session>();
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - options.idleMs;
      for (const [id, s] of sessions) if (s.lastSeen < cutoff) void close(id);
    },
    Math.min(options.idleMs, 60_000),
  );
  sweep.unref();

  const close = async (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    await session.live.server.close().catch(() => {});
  };

  const open = async (
    request: Request,
    body: unknown,
    authInfo: AuthInfo | undefined,
    owner: string,
    blueprint: McpBlueprint,
  ): Promise<Response> => {
    if (sessions.size >= options.maxSessions) {
      // Make room by closing the session idle the longest.
      const oldest = [...sessions].sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0];
      if (oldest) await close(oldest[0]);
    }
    const live = createLiveServer(blueprint, options.log);
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, { transport, live, owner, lastSeen: Date.now() }),
      onsessionclosed: (id) => void sessions.delete(id),
      maxRequestBodySize: options.maxBodyBytes,
      // Resumability: a dropped stream is resumed with Last-Event-ID from this store,
      // and clients are told how soon to reconnect (SSE `retry`, SEP-1699).
      eventStore: createEventStore(options.maxEvents),
      retryInterval: options.retryMs,
    });
    transport.onerror = (error) => options.log.debug(`session: ${error.message}`);
    await live.server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody: body, ...(authInfo && { authInfo }) });
    if (transport.sessionId === undefined) await live.server.close().catch(() => {});
    return response;
  };

  return {
    async claims(request, body, authInfo) {
      if (request.headers.has('mcp-session-id')) return { body };
      // Only an initialize opens a session, and only for someone who can own it.
      if ((body as { method?: unknown } | undefined)?.method !== 'initialize' || ownerOf(authInfo) === undefined)
        return undefined;
      return isInitializeRequest(body) && (await isLegacyRequest(request, body)) ? { body } : undefined;
    },
    async fetch(request, body, requestOptions, blueprint) {
      const authInfo = requestOptions?.authInfo;
      const id = request.headers.get('mcp-session-id');
      const owner = ownerOf(authInfo);
      if (id === null && owner !== undefined) return open(request, body, authInfo, owner, blueprint);
      const session = id === null ? undefined : sessions.get(id);
      // Another principal's token on this session, or a token naming no one: answer as if it did not exist.
      if (!session || owner === undefined || session.owner !== owner) return Response.json(NOT_FOUND, { status: 404 });
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request, {
        ...(body !== undefined && { parsedBody: body }),
        ...(authInfo && { authInfo }),
      });
    },
    update(blueprint) {
      for (const session of sessions.values()) session.live.update(blueprint);
    },
    resourceUpdated(uri) {
      for (const session of sessions.values()) session.live.resourceUpdated(uri);
    },
    get size() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map(close));
    },
  };
}

/** Without authorization (auth.provider none) every caller is the same one. Principal keys are JSON arrays: no collision. */
const ANYONE = 'anyone';

/** Who may use a session opened by this caller: its principal; undefined for a token naming no one. */
function ownerOf(authInfo: AuthInfo | undefined): string | undefined {
  return authInfo === undefined ? ANYONE : authOf(authInfo)?.principal;
}
