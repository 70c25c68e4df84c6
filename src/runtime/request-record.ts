/** What the access log and /metrics learn of each request. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { callerFields } from '../auth/claims.js';
import { refusalReason, requestedCall } from '../http/listener.js';
import type { ResolvedManifest } from '../manifest.js';
import type { Observer, RequestRecord } from '../observe.js';

/** Records `res` once it is sent; only when someone reads it (the access log or /metrics), else nothing is measured. */
export function recordOnFinish(
  observer: Observer,
  http: ResolvedManifest['http'] | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const started = performance.now();
  if (http?.accessLog || http?.metrics)
    res.once('finish', () => observer.request(buildRequestRecord(req, res, performance.now() - started)));
}

/** What the access log and the metrics record of a finished request: never a token. */
export function buildRequestRecord(req: IncomingMessage, res: ServerResponse, durationMs: number): RequestRecord {
  const auth = authOf((req as IncomingMessage & { auth?: AuthInfo }).auth);
  const reason = refusalReason(res);
  // From the body when it was read; else from the 2026-07-28 headers.
  const call = requestedCall(res);
  const rpcMethod = call?.rpcMethod ?? header(req, 'mcp-method');
  const tool = call?.tool ?? (rpcMethod === 'tools/call' ? header(req, 'mcp-name') : undefined);
  return {
    method: req.method ?? 'GET',
    path: (req.url ?? '/').split('?')[0]!,
    ...(rpcMethod !== undefined && { rpcMethod }),
    ...(tool !== undefined && { tool }),
    ...callerFields(auth),
    status: res.statusCode,
    durationMs: Math.round(durationMs * 10) / 10,
    decision: res.statusCode >= 500 ? 'error' : reason !== undefined ? 'deny' : 'allow',
    ...(reason !== undefined && { reason }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value.slice(0, 128) : undefined;
}
