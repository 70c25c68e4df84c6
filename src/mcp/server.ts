/**
 * Builds the SDK server from a loaded manifest. Everything derivable (validators,
 * definitions, scope checks) is prepared once per load; the factory the SDK calls per
 * request only registers the prepared items.
 */
import { McpServer, type McpServerFactory, type ServerContext } from '@modelcontextprotocol/server';
import type { LoadedManifest } from '../config/index.js';
import type { HandlerRunner } from '../handlers/runner.js';
import type { Logger } from '../log.js';
import type { Observer } from '../observe.js';
import { type PrepareEnv, verifyRoundState } from './calls.js';
import { type Completions, installCompletion } from './completion.js';
import type { PreparedItem } from './item.js';
import { type ListKey, paginateLists } from './pages.js';
import { preparePrompt } from './prompts.js';
import { prepareResource, prepareTemplate } from './resources.js';
import { prepareTool } from './tools.js';

/** Everything a server instance needs, prepared once per manifest load. */
export interface McpBlueprint {
  readonly info: { name: string; version: string; title?: string };
  readonly options: {
    instructions?: string;
    jsonSchemaValidator: LoadedManifest['schemas'];
    requestState: { verify: (state: string, ctx: ServerContext) => Promise<unknown> };
    capabilities: { logging: Record<string, never>; resources?: { subscribe: boolean; listChanged: boolean } };
  };
  /** By id, in manifest order: tools, resources, templates, prompts. */
  readonly items: ReadonlyMap<string, PreparedItem>;
  readonly completions: Completions;
  readonly env: PrepareEnv;
  /** Items per page of tools/list, resources/list, resources/templates/list, prompts/list. */
  readonly pageSize: number;
  readonly listSizes: Readonly<Record<ListKey, number>>;
}

/** `resourceUpdated` announces a resource change to its subscribers, in every version and session. */
export function prepareMcp(
  loaded: LoadedManifest,
  log: Logger,
  resourceUpdated: (uri: string) => void,
  observer?: Observer,
): McpBlueprint {
  const { manifest, handlers, schemas } = loaded;
  const env: PrepareEnv = { schemas, log, resourceUpdated, ...(observer && { observer }) };
  const runner = (key: string): HandlerRunner => handlers.get(key)!;
  const items: PreparedItem[] = [
    ...manifest.tools.map((t, i) => prepareTool(t, runner(`tools[${i}].handler`), env)),
    ...manifest.resources.map((r, i) => prepareResource(r, handlers.get(`resources[${i}].handler`), env, manifest.dir)),
    ...manifest.resourceTemplates.map((t, i) => prepareTemplate(t, runner(`resourceTemplates[${i}].handler`), env)),
    ...manifest.prompts.map((p, i) => preparePrompt(p, handlers.get(`prompts[${i}].handler`), env)),
  ];
  const hasResources = manifest.resources.length + manifest.resourceTemplates.length > 0;
  const completionRunners = (section: string, i: number, complete: object) =>
    new Map(
      Object.keys(complete).flatMap((name) => {
        const found = handlers.get(`${section}[${i}].complete.${name}`);
        return found ? [[name, found] as const] : [];
      }),
    );
  const byRef = new Map([
    ...manifest.resourceTemplates.map(
      (t, i) =>
        [
          `template:${t.uriTemplate}`,
          { scopes: t.scopes, complete: t.complete, runners: completionRunners('resourceTemplates', i, t.complete) },
        ] as const,
    ),
    ...manifest.prompts.map(
      (p, i) =>
        [
          `prompt:${p.name}`,
          { scopes: p.scopes, complete: p.complete, runners: completionRunners('prompts', i, p.complete) },
        ] as const,
    ),
  ]);
  return {
    info: {
      name: manifest.server.name,
      version: manifest.server.version,
      ...(manifest.server.title !== undefined && { title: manifest.server.title }),
    },
    options: {
      ...(manifest.server.instructions !== undefined && { instructions: manifest.server.instructions }),
      jsonSchemaValidator: schemas,
      requestState: { verify: verifyRoundState },
      // Handlers may log (ctx.log); clients choose the level. Resources can be subscribed to.
      capabilities: { logging: {}, ...(hasResources && { resources: { subscribe: true, listChanged: true } }) },
    },
    items: new Map(items.map((item) => [item.id, item])),
    completions: { byRef },
    env,
    pageSize: manifest.server.pageSize,
    listSizes: {
      tools: manifest.tools.length,
      resources: manifest.resources.length,
      resourceTemplates: manifest.resourceTemplates.length,
      prompts: manifest.prompts.length,
    },
  };
}

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
    if (blueprint.completions.byRef.size > 0) installCompletion(server, () => blueprint.completions, blueprint.env);
    // A server answering one request cannot hold a 2025-era subscription; 2026-07-28
    // clients subscribe through subscriptions/listen instead.
    if (blueprint.options.capabilities.resources) acceptSubscriptions(server, () => {});
    for (const item of blueprint.items.values()) item.register(server, () => item);
    paginateLists(server, blueprint.pageSize, blueprint.listSizes);
    return server;
  };
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

export function createLiveServer(initial: McpBlueprint, log: Logger): LiveServer {
  const server = new McpServer(initial.info, initial.options);
  let current = initial;
  installCompletion(server, () => current.completions, initial.env);
  const subscribed = new Set<string>();
  if (initial.options.capabilities.resources) {
    acceptSubscriptions(server, (uri, on) => void (on ? subscribed.add(uri) : subscribed.delete(uri)));
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

function acceptSubscriptions(server: McpServer, record: (uri: string, subscribed: boolean) => void): void {
  server.server.setRequestHandler('resources/subscribe', (request) => {
    record(request.params.uri, true);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    record(request.params.uri, false);
    return {};
  });
}
