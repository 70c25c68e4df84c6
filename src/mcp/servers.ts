/**
 * The servers built from a blueprint: one per era that lives as long as the load (the
 * fast path's), a fresh one per request for the SDK's handler (with only the item a
 * request names, when it names one), and a long-lived one per 2025-11-25 session whose
 * items follow reloads.
 */
import { McpServer, type McpServerFactory, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import { installTasks } from '../tasks/methods.js';
import type { McpBlueprint } from './blueprint.js';
import { installCompletion } from './completion.js';
import type { PreparedItem } from './item.js';
import { paginateLists } from './pages.js';

/**
 * For the SDK's per-request serving: a fresh server with the prepared items. `only`
 * says which single item a request needs (see `namedItem`); a server for that request
 * gets just it, so a call costs the same with one tool or five hundred.
 */
export function createServerFactory(
  blueprint: McpBlueprint,
  only?: (request: Request) => PreparedItem | undefined,
): McpServerFactory {
  return ({ requestInfo }) => {
    const server = new McpServer(blueprint.info, blueprint.options);
    const item = requestInfo && only?.(requestInfo);
    if (item) {
      item.register(server, () => item);
      return server;
    }
    return withEveryItem(server, blueprint);
  };
}

/** The 2026-07-28 revision, which an instance serves once bound to it (see multiplex.ts). */
export const MODERN_REVISION = '2026-07-28';

/**
 * A server for the fast path (fast-path.ts): every item, for every request of one era
 * during one load. The modern one lists the revisions in the order the SDK's handler
 * gives its instances (its own list, then the modern revision), so that
 * `server/discover` and version errors read the same on both paths.
 */
export function createSharedServer(blueprint: McpBlueprint, era: 'modern' | 'legacy'): McpServer {
  const server = new McpServer(blueprint.info, {
    ...blueprint.options,
    ...(era === 'modern' && { supportedProtocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS, MODERN_REVISION] }),
  });
  return withEveryItem(server, blueprint);
}

function withEveryItem(server: McpServer, blueprint: McpBlueprint): McpServer {
  if (blueprint.completions.byRef.size > 0) installCompletion(server, () => blueprint.completions, blueprint.env);
  // A server answering requests one by one cannot hold a 2025-era subscription;
  // 2026-07-28 clients subscribe through subscriptions/listen instead.
  if (blueprint.options.capabilities.resources) acceptSubscriptions(server, () => {});
  for (const item of blueprint.items.values()) item.register(server, () => item);
  const { tasks } = blueprint;
  if (tasks) installTasks(server, tasks.engine, (name) => tasks.tools.get(name), blueprint.options.jsonSchemaValidator);
  paginateLists(server, blueprint.pageSize, blueprint.listSizes);
  return server;
}

/**
 * The item a JSON-RPC request (`body`, parsed) names, when it names one that exists:
 * the tool of a `tools/call`, the prompt of a `prompts/get`, the static resource of a
 * `resources/read`. Anything else (a list, discovery, an unknown name, a URI only a
 * template matches) needs the whole server.
 */
export function namedItem(blueprint: McpBlueprint, body: unknown): PreparedItem | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { method, params } = body as { method?: unknown; params?: { name?: unknown; uri?: unknown } };
  const name = method === 'resources/read' ? params?.uri : params?.name;
  if (typeof name !== 'string') return undefined;
  const kind =
    method === 'tools/call'
      ? 'tool'
      : method === 'prompts/get'
        ? 'prompt'
        : method === 'resources/read'
          ? 'resource'
          : undefined;
  return kind && blueprint.items.get(`${kind}:${name}`);
}

/**
 * A long-lived server (a 2025-11-25 session) whose items follow reloads: `update`
 * re-points unchanged items at the new handlers silently and registers, removes or
 * replaces the others, which the SDK announces with `notifications/*\/list_changed`.
 */
export interface LiveServer {
  readonly server: McpServer;
  update(next: McpBlueprint): void;
  /** Sends notifications/resources/updated when the client subscribed to `uri`. */
  resourceUpdated(uri: string): void;
}

/** `recordSubscription`: also keeps the session's subscriptions elsewhere (the shared store), for the whole fleet. */
export function createLiveServer(
  initial: McpBlueprint,
  log: Logger,
  recordSubscription?: (uri: string, subscribed: boolean) => Promise<void>,
): LiveServer {
  const server = new McpServer(initial.info, initial.options);
  let current = initial;
  installCompletion(server, () => current.completions, initial.env);
  const subscribed = new Set<string>();
  if (initial.options.capabilities.resources) {
    acceptSubscriptions(server, async (uri, on) => {
      await recordSubscription?.(uri, on);
      if (on) subscribed.add(uri);
      else subscribed.delete(uri);
    });
  }
  const registered = new Map<string, { signature: string; handle: { remove(): void } }>();
  const register = (item: PreparedItem) => {
    try {
      registered.set(item.id, {
        signature: item.signature,
        handle: item.register(server, () => current.items.get(item.id) ?? item),
      });
    } catch (error) {
      // A kind the session had none of (its first prompt, say) needs a capability that
      // cannot be added once connected; the client sees it after reconnecting.
      log.warn(`a 2025-11-25 session cannot show ${item.id} until its client reconnects (${(error as Error).message})`);
    }
  };
  for (const item of initial.items.values()) register(item);
  paginateLists(server, initial.pageSize);
  return {
    server,
    update(next) {
      current = next;
      for (const [id, entry] of registered) {
        if (next.items.get(id)?.signature === entry.signature) continue;
        entry.handle.remove();
        registered.delete(id);
      }
      for (const item of next.items.values()) if (!registered.has(item.id)) register(item);
    },
    resourceUpdated(uri) {
      if (subscribed.has(uri)) void server.server.sendResourceUpdated({ uri }).catch(() => {});
    },
  };
}

/** Answers resources/subscribe and resources/unsubscribe, telling `record` which URI and whether it is now subscribed. */
function acceptSubscriptions(
  server: McpServer,
  record: (uri: string, subscribed: boolean) => void | Promise<void>,
): void {
  server.server.setRequestHandler('resources/subscribe', async (request) => {
    await record(request.params.uri, true);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    await record(request.params.uri, false);
    return {};
  });
}
