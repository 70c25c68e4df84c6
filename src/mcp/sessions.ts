/**
 * 2025-11-25 sessions. An `initialize` opens one: `Mcp-Session-Id` from the CSPRNG, an
 * SDK streamable-HTTP transport (GET stream, DELETE), and a server whose tools follow
 * reloads, so a reload reaches its client as `notifications/tools/list_changed`. A
 * session belongs to the principal (issuer, subject and client) whose token opened it:
 * any other token gets 404, as if it did not exist. A token naming neither a subject
 * nor a client is no one in particular and gets no session: its initialize is served
 * statelessly, like every request without a session id.
 *
 * With a shared store (`fleet`), every replica serves every session. The store keeps
 * what opened it; a replica that has no copy yet builds one by replaying that
 * `initialize` (and the client's logging level) into a fresh server. Each request
 * pushes the session's expiry back in the store, and learns there whether another
 * replica deleted it. Events are kept in the store, so a stream resumes anywhere; a
 * resource update is written once to each subscribed session's log by the replica
 * where it happened, and sent live by whichever replica holds the session's GET
 * stream. A question a replica asks the client carries that replica's name in its
 * JSON-RPC id, so an answer posted to another replica is passed on to the one waiting.
 */
import { randomUUID } from 'node:crypto';
import {
  type AuthInfo,
  isInitializeRequest,
  isLegacyRequest,
  type JSONRPCMessage,
  type McpHandlerRequestOptions,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { describeCause } from '../errors.js';
import type { Logger } from '../log.js';
import type { FleetBus, FleetMessage } from '../store/bus.js';
import { StoreUnavailable } from '../store/connection.js';
import { ownerDigest, type SessionEventStore, type SharedSessions } from '../store/sessions.js';
import type { McpBlueprint } from './blueprint.js';
import { createEventStore } from './event-store.js';
import { createLiveServer, type LiveServer } from './servers.js';

/** What sessions share with other replicas: the store's session records and the bus. */
export interface Fleet {
  readonly sessions: SharedSessions;
  readonly bus: FleetBus;
}

export interface SessionOptions {
  readonly maxSessions: number;
  /** A session unused for this long is closed. */
  readonly idleMs: number;
  readonly maxBodyBytes: number;
  /** Events kept per session for replay after a dropped stream. */
  readonly maxEvents: number;
  /** Reconnection delay suggested to clients, in ms. */
  readonly retryMs: number;
  /** The fleet new sessions are shared with, when the manifest names a store. */
  readonly fleet: () => Fleet | undefined;
  readonly log: Logger;
}

interface Session {
  readonly transport: SessionTransport;
  readonly live: LiveServer;
  readonly owner: string;
  /** The fleet the session is shared with; undefined for a session of this process alone. */
  readonly fleet: Fleet | undefined;
  /** The logging level this copy was given. */
  level: string | undefined;
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
  /** Tells the sessions subscribed to `uri` that it changed, on every replica. */
  resourceUpdated(uri: string): Promise<void>;
  /** What another replica says about sessions. */
  hear(message: FleetMessage): void;
  readonly size: number;
  close(): Promise<void>;
}

const NOT_FOUND = { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } };

/**
 * The SDK's transport, but the requests the server sends (questions to the client) get
 * `<replica>:<id>` as their id when the session is shared, so that the client's answer
 * names the replica waiting for it.
 */
class SessionTransport extends WebStandardStreamableHTTPServerTransport {
  replica: string | undefined;
  /** Its event store, when shared: quiet while a copy is built. */
  events: SessionEventStore | undefined;
  override send(message: JSONRPCMessage, options?: { relatedRequestId?: string | number }): Promise<void> {
    const tagged =
      this.replica !== undefined && 'method' in message && 'id' in message
        ? { ...message, id: `${this.replica}:${message.id}` }
        : message;
    return super.send(tagged, options);
  }
}

export function createSessions(options: SessionOptions): Sessions {
  const { log } = options;
  const sessions = new Map<string, Session>();
  const adopting = new Map<string, Promise<Session | undefined>>();
  // Events already in a session's log, written there by the replica where they happened.
  const preassigned = new WeakMap<JSONRPCMessage, string>();
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - options.idleMs;
      for (const [id, s] of sessions) if (s.lastSeen < cutoff) void forget(id);
    },
    Math.min(options.idleMs, 60_000),
  );
  sweep.unref();

  /** Drops this process's copy; a shared session lives on in the store. */
  const forget = async (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    await session.live.server.close().catch(() => {});
  };

  /** Closes a session for the whole fleet: deleted, or evicted to stay under the cap. */
  const closeEverywhere = async (id: string, fleet: Fleet | undefined) => {
    await forget(id);
    if (!fleet) return;
    await fleet.sessions.remove(id).catch((error: unknown) => log.warn(`session ${id}: ${describeCause(error)}`));
    await fleet.bus.publish({ kind: 'sessionClosed', session: id });
  };

  const makeRoom = async () => {
    if (sessions.size < options.maxSessions) return;
    // Make room by dropping the copy idle the longest (a shared session stays open in the store).
    const oldest = [...sessions].sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0];
    if (oldest) await forget(oldest[0]);
  };

  const newTransport = (
    id: string,
    fleet: Fleet | undefined,
    extra: { onsessioninitialized?: () => Promise<void> },
  ) => {
    const events = fleet?.sessions.events(id, preassigned);
    const transport = new SessionTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: extra.onsessioninitialized,
      onsessionclosed: (closed) => closeEverywhere(closed, fleet),
      maxRequestBodySize: options.maxBodyBytes,
      // Resumability: a dropped stream is resumed with Last-Event-ID from this store,
      // and clients are told how soon to reconnect (SSE `retry`, SEP-1699).
      eventStore: events ?? createEventStore(options.maxEvents),
      retryInterval: options.retryMs,
    });
    transport.replica = fleet?.bus.replica;
    transport.events = events;
    transport.onerror = (error) => log.debug(`session: ${error.message}`);
    return transport;
  };

  const liveServer = (id: string, blueprint: McpBlueprint, fleet: Fleet | undefined) =>
    createLiveServer(blueprint, log, fleet && ((uri, on) => fleet.sessions.subscribe(id, uri, on)));

  const open = async (
    request: Request,
    body: unknown,
    authInfo: AuthInfo | undefined,
    owner: string,
    blueprint: McpBlueprint,
  ): Promise<Response> => {
    await makeRoom();
    const fleet = options.fleet();
    const id = randomUUID();
    const live = liveServer(id, blueprint, fleet);
    let unshared: unknown;
    const transport = newTransport(id, fleet, {
      onsessioninitialized: async () => {
        if (fleet) {
          try {
            const evicted = await fleet.sessions.register(id, ownerDigest(owner), body as JSONRPCMessage);
            for (const e of evicted) void closeEverywhere(e, fleet);
          } catch (error) {
            unshared = error;
            return;
          }
        }
        sessions.set(id, { transport, live, owner, fleet, level: undefined, lastSeen: Date.now() });
      },
    });
    await live.server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody: body, ...(authInfo && { authInfo }) });
    if (unshared !== undefined || !sessions.has(id)) await live.server.close().catch(() => {});
    if (unshared !== undefined) {
      await response.body?.cancel().catch(() => {});
      return unavailable(unshared);
    }
    return response;
  };

  /** This replica's copy of a session another replica opened, built from what the store keeps. */
  const adopt = (
    id: string,
    owner: string,
    request: Request,
    authInfo: AuthInfo | undefined,
    blueprint: McpBlueprint,
  ) => {
    const fleet = options.fleet();
    if (!fleet) return Promise.resolve(undefined);
    let building = adopting.get(id);
    if (!building) {
      building = build(id, fleet, request, authInfo, blueprint).finally(() => adopting.delete(id));
      adopting.set(id, building);
    }
    // Whoever asks, the copy answers only its owner.
    return building.then(async (session) => {
      if (session?.owner === owner) return session;
      return undefined;
    });
  };

  const build = async (
    id: string,
    fleet: Fleet,
    request: Request,
    authInfo: AuthInfo | undefined,
    blueprint: McpBlueprint,
  ): Promise<Session | undefined> => {
    const record = await fleet.sessions.lookup(id);
    const owner = ownerOf(authInfo);
    if (!record || owner === undefined || record.owner !== ownerDigest(owner)) return undefined;
    await makeRoom();
    const live = liveServer(id, blueprint, fleet);
    const transport = newTransport(id, fleet, {});
    await live.server.connect(transport);
    await quietly(transport, () => replay(transport, request, record.initialize, authInfo, false));
    const session: Session = { transport, live, owner, fleet, level: undefined, lastSeen: Date.now() };
    if (record.level !== undefined) await applyLevel(session, request, record.level, authInfo);
    sessions.set(id, session);
    return session;
  };

  const applyLevel = async (session: Session, request: Request, level: string, authInfo: AuthInfo | undefined) => {
    const setLevel = { jsonrpc: '2.0', id: 'level', method: 'logging/setLevel', params: { level } } as JSONRPCMessage;
    await quietly(session.transport, () => replay(session.transport, request, setLevel, authInfo, true));
    session.level = level;
  };

  const deliver = (id: string, eventId: string, message: JSONRPCMessage) => {
    const session = sessions.get(id);
    if (!session) return;
    preassigned.set(message, eventId);
    void session.transport.send(message).catch(() => {});
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
      let session: Session | undefined;
      try {
        session =
          id === null || owner === undefined
            ? undefined
            : (sessions.get(id) ?? (await adopt(id, owner, request, authInfo, blueprint)));
        // Another principal's token on this session, or a token naming no one: answer as if it did not exist.
        if (!session || session.owner !== owner) return Response.json(NOT_FOUND, { status: 404 });
        if (session.fleet) {
          const shared = await session.fleet.sessions.touch(id!);
          if (!shared) {
            await forget(id!);
            return Response.json(NOT_FOUND, { status: 404 });
          }
          if (shared.level !== undefined && shared.level !== session.level)
            await applyLevel(session, request, shared.level, authInfo);
        }
      } catch (error) {
        if (error instanceof StoreUnavailable) return unavailable(error);
        throw error;
      }
      session.lastSeen = Date.now();
      const routed = routeAnswer(session, body);
      const response = await session.transport.handleRequest(request, {
        ...(routed.body !== undefined && { parsedBody: routed.body }),
        ...(authInfo && { authInfo }),
      });
      if (session.fleet && response.status === 202 && routed.forward)
        await session.fleet.bus.publish(
          { kind: 'answer', session: id!, message: routed.forward.message },
          routed.forward.to,
        );
      const level = setLevelOf(body);
      if (session.fleet && level !== undefined && response.ok) {
        session.level = level;
        await session.fleet.sessions.setLevel(id!, level).catch((error: unknown) => log.warn(describeCause(error)));
      }
      return response;
    },
    update(blueprint) {
      for (const session of sessions.values()) session.live.update(blueprint);
    },
    async resourceUpdated(uri) {
      for (const session of sessions.values()) if (!session.fleet) session.live.resourceUpdated(uri);
      const fleet = options.fleet();
      if (!fleet) return;
      const message = { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } } as JSONRPCMessage;
      let appended: { session: string; eventId: string }[];
      try {
        appended = await fleet.sessions.appendToSubscribers(uri, message);
      } catch (error) {
        log.warn(`resources/updated for ${uri} reaches no 2025-11-25 session: ${describeCause(error)}`);
        return;
      }
      for (const { session, eventId } of appended) {
        deliver(session, eventId, { ...message });
        void fleet.bus.publish({ kind: 'sessionEvent', session, eventId, message });
      }
    },
    hear(message) {
      if (message.kind === 'sessionEvent') deliver(message.session, message.eventId, message.message);
      else if (message.kind === 'sessionClosed') void forget(message.session);
      else if (message.kind === 'answer') sessions.get(message.session)?.transport.onmessage?.(message.message);
    },
    get size() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map(forget));
    },
  };
}

/** Runs `replaying` without keeping the events it makes in the session's log. */
async function quietly(transport: SessionTransport, replaying: () => Promise<void>): Promise<void> {
  if (transport.events) transport.events.discarding = true;
  try {
    await replaying();
  } finally {
    if (transport.events) transport.events.discarding = false;
  }
}

/**
 * Sends `message` into `transport` as if the client had posted it (headers of the
 * client's `request`), and reads the answer to its end.
 */
async function replay(
  transport: WebStandardStreamableHTTPServerTransport,
  request: Request,
  message: JSONRPCMessage,
  authInfo: AuthInfo | undefined,
  inSession: boolean,
): Promise<void> {
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
  const version = request.headers.get('mcp-protocol-version');
  if (inSession) {
    headers.set('mcp-session-id', transport.sessionId!);
    if (version !== null) headers.set('mcp-protocol-version', version);
  }
  const synthetic = new Request(request.url, { method: 'POST', headers, body: JSON.stringify(message) });
  const response = await transport.handleRequest(synthetic, { parsedBody: message, ...(authInfo && { authInfo }) });
  await response.text();
}

/**
 * A posted answer to a question: the replica that asked is named in its id. Its own
 * get the id back as the server sent it; another's go through unchanged (the SDK
 * answers the POST) and are passed on.
 */
function routeAnswer(
  session: Session,
  body: unknown,
): { body: unknown; forward?: { to: string; message: JSONRPCMessage } } {
  if (!session.fleet || body === null || typeof body !== 'object' || 'method' in body) return { body };
  const id = (body as { id?: unknown }).id;
  if (typeof id !== 'string' || !('result' in body || 'error' in body)) return { body };
  const match = /^([0-9a-f]+):(\d+)$/.exec(id);
  if (!match) return { body };
  const message = { ...(body as JSONRPCMessage), id: Number(match[2]) } as JSONRPCMessage;
  if (match[1] === session.fleet.bus.replica) return { body: message };
  return { body, forward: { to: match[1]!, message } };
}

function setLevelOf(body: unknown): string | undefined {
  const { method, params } = (body ?? {}) as { method?: unknown; params?: { level?: unknown } };
  return method === 'logging/setLevel' && typeof params?.level === 'string' ? params.level : undefined;
}

/** 503 while the store that keeps the sessions cannot answer: try again shortly. */
function unavailable(error: unknown): Response {
  return Response.json(
    {
      error: 'temporarily_unavailable',
      error_description: `Sessions are kept in the shared store, which cannot answer now (${error instanceof Error ? error.message : String(error)}); try again shortly`,
    },
    { status: 503, headers: { 'Retry-After': '2' } },
  );
}

/** Without authorization (auth.provider none) every caller is the same one. Principal keys are JSON arrays: no collision. */
const ANYONE = 'anyone';

/** Who may use a session opened by this caller: its principal; undefined for a token naming no one. */
function ownerOf(authInfo: AuthInfo | undefined): string | undefined {
  return authInfo === undefined ? ANYONE : authOf(authInfo)?.principal;
}
