/**
 * The node:http listener: routing, Host/Origin checks, CORS, health, metadata and the
 * bearer gate in front of the SDK's MCP handler. The only module that chooses statuses;
 * read-body.ts only relays the SDK's answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import { toAuthInfo } from '../auth/auth-info.js';
import { type Challenge, challengeBody, challengeHeader, challengeStatus } from '../auth/challenge.js';
import { readCredentials } from '../auth/credentials.js';
import type { Logger } from '../log.js';
import type { Observer } from '../observe.js';
import type { Snapshot } from '../runtime/snapshot.js';
import { rateLimitKey } from './rate-limit.js';
import { readBody } from './read-body.js';
import { acceptRequestHead } from './request-head.js';

const MCP_REQUEST_HEADERS =
  'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID';
const MCP_EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version';
/** The methods of the Streamable HTTP transport, and OPTIONS for CORS preflight. */
const MCP_METHODS = 'GET, POST, DELETE, OPTIONS';
const MCP_METHOD_SET = new Set(MCP_METHODS.split(', '));

/** Why a request was refused, for the access log and metrics (never anything about the token). */
const refusals = new WeakMap<ServerResponse, string>();

export function refusalReason(res: ServerResponse): string | undefined {
  return refusals.get(res) ?? (res.statusCode === 403 ? 'insufficient_scope' : undefined);
}

/** What a request asked for, read from its body, for the access log. */
export interface RequestedCall {
  readonly rpcMethod?: string;
  readonly tool?: string;
}

const calls = new WeakMap<ServerResponse, RequestedCall>();

export function requestedCall(res: ServerResponse): RequestedCall | undefined {
  return calls.get(res);
}

export type SnapshotListener = (snapshot: Snapshot | undefined, req: IncomingMessage, res: ServerResponse) => void;

/** Serves a request with `snapshot`, the version current when it arrived (undefined while starting). */
export function createRequestListener(
  log: Logger,
  draining: () => boolean = () => false,
  observer?: Observer,
): SnapshotListener {
  return (snapshot, req, res) => {
    // Whatever throws, synchronously or not, ends here: a 500 and its stack (our bug), never an uncaught exception.
    serve(snapshot, req, res, log, draining, observer).catch((error: unknown) => {
      log.error(`request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: 'Internal server error' });
      else res.destroy();
    });
  };
}

async function serve(
  snapshot: Snapshot | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  draining: () => boolean,
  observer: Observer | undefined,
): Promise<void> {
  const head = acceptRequestHead(req);
  if (!head.ok) {
    refusals.set(res, 'bad_request');
    return sendJson(res, 400, { error: 'invalid_request', error_description: head.description });
  }
  if (head.url.pathname === '/readyz') return readiness(snapshot, draining(), res);
  if (!snapshot)
    return sendJson(
      res,
      503,
      { error: 'temporarily_unavailable', error_description: 'The server is starting' },
      { 'Retry-After': '1' },
    );
  return route(snapshot, head.url, req, res, log, observer);
}

async function route(
  s: Snapshot,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  observer: Observer | undefined,
): Promise<void> {
  // DNS rebinding: a loopback-bound server answers only to the host names it knows.
  if (s.allowedHosts) {
    const host = validateHostHeader(req.headers.host, s.allowedHosts);
    if (!host.ok) {
      refusals.set(res, 'host_not_allowed');
      return sendJson(res, 403, {
        error: 'forbidden',
        error_description: `${host.message}; add the host name to http.allowedHosts to accept it`,
      });
    }
  }
  if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname === '/metrics' && observer && s.loaded.manifest.http.metrics) {
    const { contentType, body } = await observer.metrics();
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    return void res.end(body);
  }
  if (s.metadataPaths.has(url.pathname)) return serveMetadata(s, req, res);
  if (s.authorizationServer?.handles(url.pathname)) return s.authorizationServer.handle(req, res);
  if (url.pathname !== s.path)
    return sendJson(res, 404, { error: 'not_found', error_description: `Not found; the MCP endpoint is ${s.path}` });

  const origin = req.headers.origin;
  if (origin !== undefined) {
    const check = validateOriginHeader(origin, s.allowedOrigins);
    if (!check.ok) {
      refusals.set(res, 'origin_not_allowed');
      return sendJson(res, 403, {
        error: 'forbidden',
        error_description: `${check.message}; add the origin's host name to http.allowedOrigins to accept it`,
      });
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', MCP_EXPOSED_HEADERS);
  }
  // RFC 9110 section 15.5.6: whoever asks, a method the endpoint does not have is a 405 naming
  // those it has (and TRACE, PUT, ... never reach the SDK, whose web Request refuses some of them).
  if (!MCP_METHOD_SET.has(req.method ?? '')) {
    refusals.set(res, 'method_not_allowed');
    return sendJson(
      res,
      405,
      { error: 'method_not_allowed', error_description: `The MCP endpoint takes ${MCP_METHODS}, not ${req.method}` },
      { Allow: MCP_METHODS },
    );
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'Access-Control-Allow-Methods': MCP_METHODS,
      'Access-Control-Allow-Headers': MCP_REQUEST_HEADERS,
      'Access-Control-Max-Age': '86400',
    });
    return void res.end();
  }
  const tooLarge = () =>
    sendJson(
      res,
      413,
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: `Request body is larger than ${s.maxBodyBytes} bytes` },
      },
      { Connection: 'close' },
    );
  if (Number(req.headers['content-length'] ?? 0) > s.maxBodyBytes) return tooLarge();

  if (s.verifier) {
    const credentials = readCredentials(req.rawHeaders, url.searchParams);
    if (credentials.kind === 'invalid')
      return sendChallenge(res, s, { error: 'invalid_request', description: credentials.description });
    // RFC 6750 section 3.1: no credentials, so no error code and no other error information.
    if (credentials.kind === 'none') return sendChallenge(res, s, { scopes: s.scopesSupported });
    const verification = await s.verifier.verify(credentials.token);
    if (!verification.ok && verification.error === 'unavailable') {
      log.warn(verification.description);
      return sendJson(
        res,
        503,
        {
          error: 'temporarily_unavailable',
          error_description: "The authorization server's keys are unavailable; try again shortly",
        },
        { 'Retry-After': '10' },
      );
    }
    if (!verification.ok)
      return sendChallenge(res, s, { error: 'invalid_token', description: verification.description });
    (req as IncomingMessage & { auth?: unknown }).auth = toAuthInfo(
      verification.auth,
      s.resourceUrl,
      s.resourceMetadataUrl,
    );
    if (refusedByRateLimit(s, rateLimitKey(verification.auth.principal, req.socket.remoteAddress), res)) return;
  } else if (refusedByRateLimit(s, rateLimitKey(undefined, req.socket.remoteAddress), res)) return;
  // A JSON POST body is read and parsed once, here (see read-body.ts). Other requests,
  // and a wrong Content-Type (for the SDK's 415), pass unread.
  if (req.method !== 'POST' || !isJsonContentType(req.headers['content-type'] ?? null)) return s.serveMcp(req, res);
  const text = await readBody(req, s.maxBodyBytes);
  if (text === 'aborted') return;
  if (text === 'too-large') return tooLarge();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return sendJson(res, 400, {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error: the request body is not valid JSON' },
    });
  }
  if (s.loaded.manifest.http.accessLog) calls.set(res, describeCall(parsed));
  await s.serveMcp(req, res, { parsed });
}

/** The JSON-RPC method and, for tools/call, the tool: client-chosen strings, so cut short. */
function describeCall(body: unknown): RequestedCall {
  const { method, params } = (body ?? {}) as { method?: unknown; params?: { name?: unknown } };
  const short = (value: unknown) => (typeof value === 'string' ? value.slice(0, 128) : undefined);
  const tool = method === 'tools/call' ? short(params?.name) : undefined;
  return { ...(short(method) !== undefined && { rpcMethod: short(method) }), ...(tool !== undefined && { tool }) };
}

/** 200 once the server can check tokens; 503 while starting, without keys, or draining at shutdown. */
function readiness(s: Snapshot | undefined, draining: boolean, res: ServerResponse): void {
  const keysMissing = !draining && s?.verifier !== undefined && !s.verifier.ready();
  // Each probe while the keys are missing tries again (the verifier paces real fetches).
  if (keysMissing) void s.verifier!.prefetch().catch(() => {});
  const keysReason = `the authorization server's signing keys are not loaded yet${s?.verifier?.failure ? `: ${s.verifier.failure}` : ''}`;
  const reason = draining ? 'shutting down' : !s ? 'starting' : keysMissing ? keysReason : undefined;
  if (reason) sendJson(res, 503, { status: 'not_ready', reason }, { 'Retry-After': '5', 'Cache-Control': 'no-store' });
  else sendJson(res, 200, { status: 'ready' }, { 'Cache-Control': 'no-store' });
}

function refusedByRateLimit(s: Snapshot, key: string, res: ServerResponse): boolean {
  const taken = s.rateLimiter?.take(key);
  if (!taken || taken.ok) return false;
  refusals.set(res, 'rate_limited');
  sendJson(
    res,
    429,
    { error: 'too_many_requests', error_description: `Rate limit exceeded; retry in ${taken.retryAfterSec} s` },
    { 'Retry-After': String(taken.retryAfterSec) },
  );
  return true;
}

function serveMetadata(s: Snapshot, req: IncomingMessage, res: ServerResponse): void {
  const cors = { 'Access-Control-Allow-Origin': '*' };
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      ...cors,
      'Access-Control-Allow-Methods': 'GET, OPTIONS',
      'Access-Control-Allow-Headers': '*',
      'Access-Control-Max-Age': '86400',
    });
    return void res.end();
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, OPTIONS', ...cors });
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300', ...cors });
  res.end(req.method === 'HEAD' ? undefined : s.metadataJson);
}

function sendChallenge(res: ServerResponse, s: Snapshot, c: Omit<Challenge, 'resourceMetadata'>): void {
  refusals.set(res, c.error ?? 'no_token');
  const challenge = { ...c, resourceMetadata: s.resourceMetadataUrl };
  sendJson(res, challengeStatus(challenge), challengeBody(challenge), {
    'WWW-Authenticate': challengeHeader(challenge),
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
