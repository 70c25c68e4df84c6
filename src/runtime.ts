/**
 * Load a manifest, listen, build the snapshot, serve; close with a drain.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadManifest, type LoadOptions } from './config/index.js';
import { McpOAuthError } from './errors.js';
import { createRequestListener } from './http.js';
import { createLogger, type Logger } from './log.js';
import { buildSnapshot, resourceUrlFor, type Snapshot } from './snapshot.js';

export interface RuntimeOptions extends LoadOptions {
  log?: Logger;
  /** How long `close()` waits for requests in flight. Default 10 s. */
  drainMs?: number;
}

export interface Runtime {
  readonly snapshot: Snapshot;
  /** The MCP endpoint URL (the resource identifier). */
  readonly url: string;
  /** Outcome of the JWKS prefetch at start: key count, or the reason it failed. */
  readonly keys: { loaded: number } | { error: string } | undefined;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger();
  const loaded = await loadManifest(options);
  let snapshot: Snapshot | undefined;
  const inFlight = new Set<Promise<void>>();
  const listener = createRequestListener(() => snapshot, log);
  const server = createServer((req, res) => {
    const done = new Promise<void>((resolve) => res.once('close', resolve));
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
    listener(req, res);
  });
  const { host, port } = loaded.manifest.http;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new McpOAuthError('LISTEN_FAILED', error.code === 'EADDRINUSE' ? `Port ${port} on ${host} is in use; stop the other process or pass --port` : `Cannot listen on ${host}:${port}: ${error.message}`, { cause: error })),
    );
    server.listen(port, host, resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  snapshot = await buildSnapshot(loaded, resourceUrlFor(loaded, actualPort), log);

  // Fail early and visibly on a wrong JWKS, but keep serving: an outage is a 503, not a crash.
  let keys: Runtime['keys'];
  if (snapshot.verifier) {
    keys = await snapshot.verifier.prefetch().then(
      (loadedKeys) => ({ loaded: loadedKeys }),
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    );
  }

  let closing: Promise<void> | undefined;
  const drainMs = options.drainMs ?? 10_000;
  const current = snapshot;
  return {
    snapshot: current,
    url: current.resourceUrl,
    keys,
    server,
    close: () =>
      (closing ??= (async () => {
        server.close();
        server.closeIdleConnections();
        const deadline = new Promise<void>((resolve) => setTimeout(resolve, drainMs).unref());
        await Promise.race([Promise.all(inFlight), deadline]);
        await current.mcp.close();
        server.closeAllConnections();
      })()),
  };
}
