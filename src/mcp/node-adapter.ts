/**
 * The Node side of the MCP endpoint: node:http requests served through a fetch-shaped
 * handler. A JSON POST body is read and parsed once, by the listener (http/read-body.ts),
 * and handed on parsed: the routing and the SDK decide on the parsed value and never
 * read it again. The SDK's `toNodeHandler` would serialize a parsed body back to text
 * (one more copy per request, and a RangeError for JSON nested a few thousand levels
 * deep); here the `Request` carries the headers, the URL and the abort signal, and the
 * body goes only as `parsedBody`. Requests the listener did not read go through
 * `toNodeHandler`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { AuthInfo, McpHandlerRequestOptions } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';

export interface FetchHandler {
  fetch(request: Request, options?: McpHandlerRequestOptions): Promise<Response>;
}

/** A POST body the listener has read and parsed (http/read-body.ts's `ReadBody`). */
export interface ParsedBody {
  readonly parsed: unknown;
}

/** Serves a Node request through `handler`; `body`, when the listener has read it. */
export type NodeServe = (
  req: IncomingMessage & { auth?: AuthInfo },
  res: ServerResponse,
  body?: ParsedBody,
) => Promise<void>;

export function createNodeServe(handler: FetchHandler, options: { maxBodyBytes: number; log: Logger }): NodeServe {
  const { log } = options;
  const serveUnread = toNodeHandler(handler, {
    maxRequestBodySize: options.maxBodyBytes,
    // A client that hangs up mid-request is routine, not an error of ours.
    onerror: (error) =>
      (error.name === 'AbortError' || error.message === 'aborted' ? log.debug : log.error)(
        `mcp handler: ${error.message}`,
      ),
  });
  return (req, res, body) => (body ? serveParsedBody(handler, req, res, body) : serveUnread(req, res));
}

/**
 * Headers about this connection, which Node manages (RFC 9110 section 7.6.1): the SDK's
 * `Connection: keep-alive` on an SSE answer would keep open a connection the client
 * asked to close.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** Serves `req`, whose body has been read, through a fetch-shaped handler, streaming the answer with backpressure. */
export async function serveParsedBody(
  handler: FetchHandler,
  req: IncomingMessage & { auth?: AuthInfo },
  res: ServerResponse,
  body: ParsedBody,
): Promise<void> {
  // A client that goes away before the answer is complete aborts the handler's work.
  const abort = new AbortController();
  res.once('close', () => res.writableFinished || abort.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  // The body travels parsed: given `parsedBody`, the SDK reads nothing from the Request.
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: 'POST',
    headers,
    signal: abort.signal,
  });
  const response = await handler.fetch(request, { parsedBody: body.parsed, ...(req.auth && { authInfo: req.auth }) });
  res.writeHead(response.status, Object.fromEntries([...response.headers].filter(([name]) => !HOP_BY_HOP.has(name))));
  if (response.body === null) return void res.end();
  for await (const chunk of response.body) {
    if (res.destroyed) break;
    if (!res.write(chunk)) await drained(res);
  }
  if (!res.destroyed) res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}
