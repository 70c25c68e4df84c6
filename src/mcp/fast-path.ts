/**
 * The fast path: the requests of one load served by two long-lived SDK servers, one
 * per era, each connected once to a transport that multiplexes HTTP requests
 * (multiplex.ts), instead of a fresh server, transport, web Request and Response per
 * request. The SDK still does the protocol: parsing, validation, the era gate, the
 * envelope, results, errors, progress and logging.
 *
 * It owns only the common case, checked here exactly as the SDK's handler checks it,
 * and leaves everything else to that handler (endpoint.ts), which then answers as it
 * always has: a 2026-07-28 request whose standard headers (MCP-Protocol-Version,
 * Mcp-Method, Mcp-Name) match its body plainly and that carries no Mcp-Param-*
 * header nor calls a tool that declares one; a 2025-11-25 request (or one naming no
 * revision) without a session;
 * in both eras, one request (no batch, notification or posted response) to a method
 * that writes no state of the server (not initialize, logging/setLevel or a
 * subscription). When the SDK changes these checks, this list follows it.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  classifyInboundRequest,
  isJSONRPCRequest,
  type JSONRPCRequest,
  type McpServer,
  OAuthError,
  OAuthErrorCode,
  type ScopeChallenge,
} from '@modelcontextprotocol/server';
import { revealTask } from '../tasks/methods.js';
import type { McpBlueprint } from './blueprint.js';
import { legacyExchange, modernExchange } from './exchanges.js';
import { type Exchange, MultiplexTransport } from './multiplex.js';
import { createSharedServer, MODERN_REVISION } from './servers.js';

/** The 2025-11-25 revision; older ones go to the SDK's handler (a request without the header is served as of it). */
const LEGACY_REVISION = '2025-11-25';

/** Methods that read and write nothing shared; in 2026-07-28 `ping` is gone, and the SDK says so (-32601). */
const READ_ONLY = [
  'tools/call',
  'tools/list',
  'prompts/get',
  'prompts/list',
  'resources/read',
  'resources/list',
  'resources/templates/list',
  'completion/complete',
  'ping',
];
/** The tasks extension's methods keep their state in the task store, not in the server (tasks/methods.ts). */
const MODERN_METHODS = new Set([...READ_ONLY, 'server/discover', 'tasks/get', 'tasks/update', 'tasks/cancel']);
const LEGACY_METHODS = new Set(READ_ONLY);

/** The body field Mcp-Name repeats, per method (SEP-2243). */
const NAME_FIELD: Readonly<Record<string, 'name' | 'uri' | 'taskId'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** A header value the SDK reads as itself: visible ASCII, no surrounding space, not Base64-wrapped (`=?base64?…?=`). */
const PLAIN_HEADER = /^(?!=\?)[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export interface FastPath {
  /**
   * Serves a JSON POST (`body`, parsed) when the fast path owns it, and says whether it
   * did; `authInfo`, the verified caller.
   */
  serve(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo | undefined): Promise<boolean>;
  /** Requests it has taken, and those dispatched and not yet answered, in both eras. */
  readonly served: number;
  readonly pending: number;
  close(): Promise<void>;
}

interface Era {
  readonly server: McpServer;
  readonly transport: MultiplexTransport;
}

export async function createFastPath(blueprint: McpBlueprint, onerror: (error: Error) => void): Promise<FastPath> {
  const connect = async (era: 'modern' | 'legacy'): Promise<Era> => {
    const server = createSharedServer(blueprint, era);
    const transport = new MultiplexTransport(era === 'modern' ? MODERN_REVISION : undefined);
    server.server.onerror = onerror;
    await server.connect(transport);
    return { server, transport };
  };
  const [modern, legacy] = await Promise.all([connect('modern'), connect('legacy')]);
  const taskTools = blueprint.tasks?.tools;
  const isTaskCall = (message: JSONRPCRequest) =>
    message.method === 'tools/call' && taskTools?.has((message.params as { name?: string } | undefined)?.name ?? '');
  let served = 0;
  // The SDK's handler checks a tool's Mcp-Param-* headers against its arguments; those tools go there.
  const headerTools = new Set(
    [...blueprint.items.values()]
      .filter((item) => item.id.startsWith('tool:') && item.signature.includes('"x-mcp-header"'))
      .map((item) => item.id.slice('tool:'.length)),
  );

  return {
    async serve(req, res, body, authInfo) {
      if (!isSingleRequest(body)) return false;
      const version = req.headers['mcp-protocol-version'];
      // Without the header, the SDK serves a 2025-11-25 request as of the revision negotiated.
      const era =
        version === MODERN_REVISION
          ? modern
          : version === LEGACY_REVISION || version === undefined
            ? legacy
            : undefined;
      const message =
        era === modern
          ? modernRequest(req.headers, body, headerTools)
          : era === legacy
            ? legacyRequest(req.headers, body)
            : undefined;
      if (era === undefined || message === undefined) return false;
      served++;
      const challenge = await era.server.resolveScopeChallenge({ request: message, ...(authInfo && { authInfo }) });
      if (challenge) {
        await sendScopeChallenge(res, challenge, authInfo);
        return true;
      }
      // The client went away while its token or body was checked: nobody to answer.
      if (res.destroyed) return true;
      const exchange = era === modern ? modernExchange(res) : legacyExchange(res);
      const cancel = era.transport.dispatch(
        message,
        authInfo,
        era === modern && isTaskCall(message) ? revealingTasks(exchange) : exchange,
      );
      res.once('close', () => res.writableFinished || cancel());
      return true;
    },
    get served() {
      return served;
    },
    get pending() {
      return modern.transport.pending + legacy.transport.pending;
    },
    async close() {
      await Promise.all([modern.server.close(), legacy.server.close()]);
    },
  };
}

/** `exchange`, with the answer of a call that became a task turned into its `CreateTaskResult`. */
function revealingTasks(exchange: Exchange): Exchange {
  return { ...exchange, answer: (message, fromGate) => exchange.answer(revealTask(message), fromGate) };
}

/** A plain JSON-RPC request object with an id (not a batch, notification or response). */
function isSingleRequest(body: unknown): body is JSONRPCRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const { method, id } = body as { method?: unknown; id?: unknown };
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number');
}

/** The request, when the fast path owns it as the 2026-07-28 request it is. */
function modernRequest(
  headers: IncomingHttpHeaders,
  body: JSONRPCRequest,
  headerTools: ReadonlySet<string>,
): JSONRPCRequest | undefined {
  const { method, params } = body;
  if (!MODERN_METHODS.has(method) || headers['mcp-method'] !== method || headers['mcp-session-id'] !== undefined)
    return undefined;
  const name = headers['mcp-name'];
  if (Array.isArray(name)) return undefined;
  const field = NAME_FIELD[method];
  const named = field === undefined ? undefined : (params as Record<string, unknown> | undefined)?.[field];
  if (
    field === undefined ? name !== undefined : typeof named !== 'string' || name !== named || !PLAIN_HEADER.test(name)
  )
    return undefined;
  if (method === 'tools/call' && headerTools.has(named as string)) return undefined;
  for (const header in headers) if (header.startsWith('mcp-param-')) return undefined;
  const outcome = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: MODERN_REVISION,
    mcpMethodHeader: method,
    ...(name !== undefined && { mcpNameHeader: name }),
    body,
  });
  return outcome.kind === 'modern' &&
    outcome.messageKind === 'request' &&
    outcome.classification.revision === MODERN_REVISION
    ? outcome.message
    : undefined;
}

/** The request, when the fast path owns it as the session-less 2025-11-25 request it is. */
function legacyRequest(headers: IncomingHttpHeaders, body: JSONRPCRequest): JSONRPCRequest | undefined {
  if (!LEGACY_METHODS.has(body.method) || headers['mcp-session-id'] !== undefined) return undefined;
  // The SDK's streamable-HTTP transport answers 406 to a client that cannot take both.
  const accept = headers.accept;
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  if (!isJSONRPCRequest(body)) return undefined;
  const method = headers['mcp-method'];
  const name = headers['mcp-name'];
  const outcome = classifyInboundRequest({
    httpMethod: 'POST',
    ...(headers['mcp-protocol-version'] !== undefined && { protocolVersionHeader: LEGACY_REVISION }),
    ...(typeof method === 'string' && { mcpMethodHeader: method }),
    ...(typeof name === 'string' && { mcpNameHeader: name }),
    body,
  });
  return outcome.kind === 'legacy' ? body : undefined;
}

/**
 * The SDK's 403 insufficient_scope for an item the token may not use, as its handler
 * writes it, pointing at the resource metadata the verified caller carries.
 */
async function sendScopeChallenge(res: ServerResponse, challenge: ScopeChallenge, authInfo: AuthInfo | undefined) {
  const response = bearerAuthChallengeResponse(
    new OAuthError(OAuthErrorCode.InsufficientScope, challenge.errorDescription ?? 'Insufficient scope'),
    { requiredScopes: [...challenge.scopes], resourceMetadataUrl: authInfo?.resourceMetadataUrl },
  );
  const text = await response.text();
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(text);
}
