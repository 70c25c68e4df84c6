/**
 * The MCP endpoint of one manifest load: which part serves each request. The fast
 * path (fast-path.ts) takes the plain requests it owns. For the rest, refusals the
 * SDK would not make (a batch under a revision without batches, a subscription the
 * token may not read) come first; then a 2025-11-25 session request goes to its
 * session, and everything else to the SDK's handler, which serves 2026-07-28 and,
 * statelessly, session-less 2025-11-25 requests.
 */
import type { ServerResponse } from 'node:http';
import {
  createMcpHandler,
  type JSONRPCMessage,
  type McpHandlerRequestOptions,
  type McpHttpHandler,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import type { ResolvedManifest } from '../manifest.js';
import { refuseUndeclaredTask, revealTask, tasksRequest } from '../tasks/methods.js';
import type { McpBlueprint } from './blueprint.js';
import { createFastPath, type FastPath } from './fast-path.js';
import type { PreparedItem } from './item.js';
import { createNodeServe, type FetchHandler, type NodeServe } from './node-adapter.js';
import { createServerFactory, namedItem } from './servers.js';
import type { Sessions } from './sessions.js';
import { createSubscriptionGate } from './subscriptions.js';

export interface McpEndpointOptions {
  readonly manifest: ResolvedManifest;
  readonly blueprint: McpBlueprint;
  /** Where a subscription's insufficient_scope refusal points (RFC 9728). */
  readonly resourceMetadataUrl: string;
  /** The event bus of 2026-07-28 listeners, which outlives the load. */
  readonly bus: ServerEventBus;
  /** The 2025-11-25 sessions, which outlive the load; consulted when the manifest enables sessions. */
  readonly sessions: Sessions;
  /** The reconnection delay suggested at the start of every subscriptions/listen stream. */
  readonly streamRetryMs: number;
  /** Serve the requests it owns on the fast path; off, every request goes to the SDK's handler. */
  readonly fastPath: boolean;
  /** Why the shared store cannot serve now, or undefined when it can; absent without a store. */
  readonly storeDown?: () => string | undefined;
  readonly log: Logger;
}

export interface McpEndpoint {
  /** The SDK's handler, for requests no session claims. */
  readonly mcp: McpHttpHandler;
  /** The routing served to node:http; `body`, the JSON body of a POST, when the listener has read it. */
  readonly serve: NodeServe;
  /** Absent when switched off. */
  readonly fastPath: FastPath | undefined;
  /** Closes the fast path's servers, once no request is left on this load. */
  close(): Promise<void>;
}

export async function createMcpEndpoint(options: McpEndpointOptions): Promise<McpEndpoint> {
  const { manifest, blueprint, sessions, log } = options;
  const refuseSubscription = createSubscriptionGate(
    manifest.resources,
    manifest.resourceTemplates,
    options.resourceMetadataUrl,
  );
  // What each request names, recorded by the router below for the server factory.
  const named = new WeakMap<Request, PreparedItem>();
  const mcp = createMcpHandler(
    createServerFactory(blueprint, (request) => named.get(request)),
    {
      maxRequestBodySize: manifest.http.maxBodyBytes,
      bus: options.bus,
      onerror: (error) => log.debug(`mcp: ${error.message}`),
    },
  );
  const routed: FetchHandler = {
    async fetch(request: Request, requestOptions?: McpHandlerRequestOptions) {
      // The body arrives parsed (read once by the listener): batches and session
      // openings are decided on it, and the SDK reads nothing again.
      const body = requestOptions?.parsedBody;
      const refused = refuseBatch(request, body) ?? refuseSubscription(body, requestOptions?.authInfo);
      if (refused) return refused;
      const claim = manifest.http.sessions ? await sessions.claims(request, body, requestOptions?.authInfo) : undefined;
      if (claim) return sessions.fetch(request, claim.body, requestOptions, blueprint);
      const item = namedItem(blueprint, body);
      if (item) named.set(request, item);
      const response = await mcp.fetch(request, requestOptions);
      if (item?.id.startsWith('tool:') && blueprint.tasks?.tools.has(item.id.slice('tool:'.length)))
        return revealTaskResponse(response);
      // The SDK has checked that Mcp-Method agrees with the body.
      return (body as { method?: unknown } | undefined)?.method === 'subscriptions/listen'
        ? withRetryHint(response, options.streamRetryMs)
        : response;
    },
  };
  const serveNode = createNodeServe(routed, { maxBodyBytes: manifest.http.maxBodyBytes, log });
  const fast = options.fastPath
    ? await createFastPath(blueprint, (error) => log.debug(`mcp: ${error.message}`))
    : undefined;
  const requiredTasks = new Set(
    [...(blueprint.tasks?.tools.values() ?? [])].filter((t) => t.task.support === 'required').map((t) => t.name),
  );
  const serve: NodeServe = fast
    ? async (req, res, body) => {
        if (body && (await fast.serve(req, res, body.parsed, req.auth))) return;
        return serveNode(req, res, body);
      }
    : serveNode;
  const needsTaskStore = tasksRequest(new Set(blueprint.tasks?.tools.keys() ?? []));
  return {
    mcp,
    serve: async (req, res, body) => {
      const refused = body && refuseUndeclaredTask(body.parsed, requiredTasks);
      if (refused) return sendJson(res, 400, refused);
      // Tasks live in the store: while it is down, the client is told to come back, before any dispatch.
      const down = body && needsTaskStore(body.parsed) ? options.storeDown?.() : undefined;
      if (down)
        return sendJson(
          res,
          503,
          { error: 'temporarily_unavailable', error_description: `${down}; try again shortly` },
          { 'Retry-After': '2' },
        );
      return serve(req, res, body);
    },
    fastPath: fast,
    close: async () => fast?.close(),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
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

/** The SDK's JSON answer to a `tools/call` that became a task, with the task as its result (tasks/methods.ts). */
async function revealTaskResponse(response: Response): Promise<Response> {
  if (!response.headers.get('content-type')?.startsWith('application/json')) return response;
  const message = (await response.json()) as JSONRPCMessage;
  const body = JSON.stringify(revealTask(message));
  const headers = new Headers(response.headers);
  headers.set('content-length', String(Buffer.byteLength(body)));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
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
