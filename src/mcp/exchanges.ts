/**
 * How the fast path answers on node:http, written to match the SDK's transports byte
 * for byte (test/fast-path-differential.test.ts compares them): a 2026-07-28 request
 * as its per-request transport does, and a 2025-11-25 request as its stateless
 * streamable-HTTP transport does.
 */
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Exchange, JsonRpcAnswer } from './multiplex.js';

/**
 * The HTTP status of an error the SDK's validation gates produce while dispatching a
 * 2026-07-28 request (the SDK's LADDER_ERROR_HTTP_STATUS, which it does not export);
 * a handler's errors stay in-band on 200, except a missing client capability (-32021),
 * whose 400 the spec mandates whatever produced it.
 */
const GATE_STATUS: Readonly<Record<number, number>> = {
  [-32700]: 400,
  [-32600]: 400,
  [-32601]: 404,
  [-32022]: 400,
  [-32021]: 400,
  [-32020]: 400,
};
const MISSING_CLIENT_CAPABILITY = -32021;

/** The SDK's SSE headers, without `Connection`, which Node manages (see node-adapter.ts). */
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/** The SDK's SSE keep-alive: a comment frame every 15 s on an open stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * A 2026-07-28 exchange: one JSON body, unless the handler sends something before its
 * answer, which opens an SSE stream that the answer ends.
 */
export function modernExchange(res: ServerResponse): Exchange {
  let stream: SseStream | undefined;
  return {
    related(message) {
      stream ??= openStream(res);
      stream.write(message);
    },
    answer(message, fromGate) {
      if (stream) return stream.end(message);
      const code = 'error' in message ? message.error.code : undefined;
      const status =
        code !== undefined && (fromGate || code === MISSING_CLIENT_CAPABILITY) ? (GATE_STATUS[code] ?? 200) : 200;
      sendJson(res, status, message);
    },
    abandon: () => abandon(res),
  };
}

/** A 2025-11-25 stateless exchange: an SSE stream from the start, which the answer ends. */
export function legacyExchange(res: ServerResponse): Exchange {
  const stream = openStream(res);
  return {
    related: (message) => stream.write(message),
    answer: (message) => stream.end(message),
    abandon: () => abandon(res),
  };
}

interface SseStream {
  write(message: JSONRPCMessage): void;
  end(message: JsonRpcAnswer): void;
}

function openStream(res: ServerResponse): SseStream {
  res.writeHead(200, SSE_HEADERS);
  const keepAlive = setInterval(() => res.write(': keepalive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  res.once('close', () => clearInterval(keepAlive));
  return {
    write(message) {
      if (!res.destroyed) res.write(frame(message));
    },
    end(message) {
      clearInterval(keepAlive);
      if (!res.destroyed) res.end(frame(message));
    },
  };
}

function frame(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

function sendJson(res: ServerResponse, status: number, message: object): void {
  if (res.destroyed) return;
  const body = JSON.stringify(message);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The server closed under an open request: nothing more will be written. */
function abandon(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  sendJson(res, 503, {
    jsonrpc: '2.0',
    id: null,
    error: { code: -32000, message: 'The server is shutting down; retry' },
  });
}
