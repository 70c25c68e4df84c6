/**
 * Browser callers of the MCP endpoint. A request with an `Origin` is served only when
 * that origin's host is allowed (MCP Streamable HTTP transport: servers must validate
 * Origin), and its answer then names that origin, never `*`, with `Vary: Origin` and the
 * headers a client must read (the challenge, the session). Preflights are answered here;
 * requests without `Origin` (not from a browser) pass unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateOriginHeader } from '@modelcontextprotocol/server';
import { MCP_METHODS } from './methods.js';
import type { Refusal } from './respond.js';

const MCP_REQUEST_HEADERS =
  'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID';
const MCP_EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version';
const PREFLIGHT_MAX_AGE_SEC = '86400';

/** The refusal for `req`'s Origin, or undefined when it is absent or allowed. */
export function refuseOrigin(req: IncomingMessage, allowedOrigins: string[]): Refusal | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const check = validateOriginHeader(origin, allowedOrigins);
  if (check.ok) return undefined;
  return {
    status: 403,
    body: {
      error: 'forbidden',
      error_description: `${check.message}; add the origin's host name to http.allowedOrigins to accept it`,
    },
    reason: 'origin_not_allowed',
  };
}

/** Lets the page at `req`'s (accepted) Origin read the answer. */
export function allowOrigin(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', MCP_EXPOSED_HEADERS);
}

/** The answer to an OPTIONS preflight: which methods and request headers the endpoint takes. */
export function answerPreflight(res: ServerResponse): void {
  res.writeHead(204, {
    'Access-Control-Allow-Methods': MCP_METHODS,
    'Access-Control-Allow-Headers': MCP_REQUEST_HEADERS,
    'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SEC,
  });
  res.end();
}
