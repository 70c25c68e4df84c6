/**
 * The node:http listener: which step answers a request. The head is checked first,
 * then the paths that need no snapshot (readiness), then Host, the public paths
 * (health, metrics, metadata, the dev authorization server), and last the MCP endpoint:
 * Origin, method, body size, the bearer gate and rate limit, the JSON body, the SDK.
 * http/ is the only code that chooses statuses; mcp/node-adapter.ts only relays the SDK's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import type { Observer } from '../observe.js';
import { readJsonBody, refuseDeclaredLength } from './body.js';
import { allowOrigin, answerPreflight, refuseOrigin } from './cors.js';
import { passGate } from './gate.js';
import { refuseHost } from './host.js';
import { serveMetadata } from './metadata.js';
import { refuseMethod } from './methods.js';
import { serveReadiness } from './readiness.js';
import { acceptRequestHead } from './request-head.js';
import { noteRequestedCall } from './requested-call.js';
import { sendJson, sendRefusal } from './respond.js';
import { refuseWithoutStore } from './shared-state.js';
import type { HttpSnapshot } from './types.js';

export { type RequestedCall, requestedCall } from './requested-call.js';
export { refusalReason } from './respond.js';

export type SnapshotListener = (snapshot: HttpSnapshot | undefined, req: IncomingMessage, res: ServerResponse) => void;

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
  snapshot: HttpSnapshot | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  draining: () => boolean,
  observer: Observer | undefined,
): Promise<void> {
  const head = acceptRequestHead(req);
  if (!head.ok)
    return sendRefusal(res, {
      status: 400,
      body: { error: 'invalid_request', error_description: head.description },
      reason: 'bad_request',
    });
  if (head.url.pathname === '/readyz') return serveReadiness(snapshot, draining(), res);
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
  s: HttpSnapshot,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  observer: Observer | undefined,
): Promise<void> {
  const badHost = refuseHost(req, s.allowedHosts);
  if (badHost) return sendRefusal(res, badHost);
  if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname === '/metrics' && observer && s.metrics) {
    const { contentType, body } = await observer.metrics();
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    return void res.end(body);
  }
  if (s.metadataPaths.has(url.pathname)) return serveMetadata(s.metadataJson, req, res);
  if (s.authorizationServer?.handles(url.pathname)) return s.authorizationServer.handle(req, res);
  if (url.pathname !== s.path)
    return sendJson(res, 404, { error: 'not_found', error_description: `Not found; the MCP endpoint is ${s.path}` });
  return serveEndpoint(s, url, req, res, log);
}

/** The MCP endpoint: each check in turn, then the SDK. */
async function serveEndpoint(
  s: HttpSnapshot,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  const badOrigin = refuseOrigin(req, s.allowedOrigins);
  if (badOrigin) return sendRefusal(res, badOrigin);
  allowOrigin(req, res);
  const badMethod = refuseMethod(req.method);
  if (badMethod) return sendRefusal(res, badMethod);
  if (req.method === 'OPTIONS') return answerPreflight(res);
  const tooLong = refuseDeclaredLength(req, s.maxBodyBytes);
  if (tooLong) return sendRefusal(res, tooLong);

  const verdict = await passGate(s, req, url, log);
  if (verdict.auth) (req as IncomingMessage & { auth?: unknown }).auth = verdict.auth;
  if (verdict.refusal) return sendRefusal(res, verdict.refusal);

  // A JSON POST body is read and parsed once, here (see read-body.ts). Other requests,
  // and a wrong Content-Type (for the SDK's 415), pass unread.
  if (req.method !== 'POST' || !isJsonContentType(req.headers['content-type'] ?? null)) return s.serveMcp(req, res);
  const body = await readJsonBody(req, s.maxBodyBytes);
  if (body === 'aborted') return;
  if (!body.ok) return sendRefusal(res, body.refusal);
  const storeDown = refuseWithoutStore(s.store, body.parsed);
  if (storeDown) return sendRefusal(res, storeDown);
  if (s.accessLog) noteRequestedCall(res, body.parsed);
  await s.serveMcp(req, res, { parsed: body.parsed });
}
