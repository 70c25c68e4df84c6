/**
 * The protected resource metadata document (RFC 9728 section 3): public, read by any
 * client and any page before it has a token, so CORS allows every origin (`*`, no
 * credentials) and caches may keep it for a few minutes. GET and HEAD serve it, OPTIONS
 * is its preflight, any other method a 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './respond.js';

const CORS = { 'Access-Control-Allow-Origin': '*' };

/** Answers `req` with `metadataJson`, the document built once per snapshot. */
export function serveMetadata(metadataJson: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      ...CORS,
      'Access-Control-Allow-Methods': 'GET, OPTIONS',
      'Access-Control-Allow-Headers': '*',
      'Access-Control-Max-Age': '86400',
    });
    return void res.end();
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, OPTIONS', ...CORS });
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300', ...CORS });
  res.end(req.method === 'HEAD' ? undefined : metadataJson);
}
