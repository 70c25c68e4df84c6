/**
 * The request body's limits: larger than `http.maxBodyBytes` is a 413, told by
 * `Content-Length` before reading or found while reading (the rest is discarded, not
 * buffered, and the connection closed); a JSON POST body that does not parse is a
 * JSON-RPC parse error (-32700) with a 400. Only JSON POST bodies are read (read-body.ts).
 */
import type { IncomingMessage } from 'node:http';
import { readBody } from './read-body.js';
import type { Refusal } from './respond.js';

/** The 413 for a body past `maxBodyBytes`, as a JSON-RPC error without an id. */
export function tooLarge(maxBodyBytes: number): Refusal {
  return {
    status: 413,
    body: {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: `Request body is larger than ${maxBodyBytes} bytes` },
    },
    headers: { Connection: 'close' },
  };
}

/** The refusal for a `Content-Length` past `maxBodyBytes`, or undefined. */
export function refuseDeclaredLength(req: IncomingMessage, maxBodyBytes: number): Refusal | undefined {
  return Number(req.headers['content-length'] ?? 0) > maxBodyBytes ? tooLarge(maxBodyBytes) : undefined;
}

/** `aborted`: the client left mid-body, and there is no one to answer. */
export type JsonBody = { ok: true; parsed: unknown } | { ok: false; refusal: Refusal } | 'aborted';

/** Reads and parses `req`'s body, or the refusal to answer with. */
export async function readJsonBody(req: IncomingMessage, maxBodyBytes: number): Promise<JsonBody> {
  const text = await readBody(req, maxBodyBytes);
  if (text === 'aborted') return 'aborted';
  if (text === 'too-large') return { ok: false, refusal: tooLarge(maxBodyBytes) };
  try {
    return { ok: true, parsed: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      refusal: {
        status: 400,
        body: {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32700, message: 'Parse error: the request body is not valid JSON' },
        },
      },
    };
  }
}
