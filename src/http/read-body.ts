/**
 * A JSON POST body is read and parsed once, by the listener, and handed on parsed: the
 * session routing and the SDK decide on the parsed value and never read it again.
 * `serveReadBody` is the Node side of that hand-over. The SDK's `toNodeHandler` would
 * serialize a parsed body back to text (one more copy per request, and a RangeError for
 * JSON nested a few thousand levels deep); here the `Request` carries the headers, the
 * URL and the abort signal, and the body goes only as `parsedBody`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo, McpHandlerRequestOptions } from '@modelcontextprotocol/server';

/** A POST body the listener has read and parsed. */
export interface ReadBody {
  readonly parsed: unknown;
}

/** The body as text, or why there is none; past `limit` the rest is discarded, not buffered. */
export function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      req.resume();
      resolve('too-large');
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size).toString('utf8'));
    // 'close' before 'end' (or 'error'): the client left mid-body.
    req
      .on('data', onData)
      .on('end', onEnd)
      .once('error', () => resolve('aborted'))
      .once('close', () => resolve('aborted'));
  });
}

/**
 * Headers about this connection, which Node manages (RFC 9110 section 7.6.1): the SDK's
 * `Connection: keep-alive` on an SSE answer would keep open a connection the client
 * asked to close.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

interface FetchHandler {
  fetch(request: Request, options?: McpHandlerRequestOptions): Promise<Response>;
}

/** Serves `req`, whose body has been read, through a fetch-shaped handler, streaming the answer with backpressure. */
export async function serveReadBody(
  handler: FetchHandler,
  req: IncomingMessage & { auth?: AuthInfo },
  res: ServerResponse,
  body: ReadBody,
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
