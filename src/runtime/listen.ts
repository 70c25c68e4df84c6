/** The HTTP server: its socket timeouts, and listening on the manifest's address. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpOAuthError } from '../errors.js';
import type { ResolvedManifest } from '../manifest.js';
import { LIMITS } from './limits.js';

export interface Listening {
  readonly server: Server;
  /** The port listened on (http.port, or the one picked for port 0). */
  readonly port: number;
}

/** Listens on `http.host`:`http.port`; an address that cannot be had is a LISTEN_FAILED error naming it. */
export async function listen(
  http: Pick<ResolvedManifest['http'], 'host' | 'port' | 'headersTimeoutMs'>,
  onRequest: RequestListener,
): Promise<Listening> {
  const { host, port, headersTimeoutMs } = http;
  // Slow-header clients are cut off quickly; Node's defaults would let them hold a socket for a minute or more.
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: Math.max(headersTimeoutMs, LIMITS.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(LIMITS.connectionsCheckMs, headersTimeoutMs),
    },
    onRequest,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new McpOAuthError(
          'LISTEN_FAILED',
          error.code === 'EADDRINUSE'
            ? `Port ${port} on ${host} is in use; stop the other process or pass --port`
            : `Cannot listen on ${host}:${port}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
