/**
 * The connection to the shared store: Redis or Valkey through node-redis (`@redis/client`,
 * the official client, RESP3). One client per store, which reconnects by itself. A
 * command never waits long: while disconnected it is refused at once (no offline queue),
 * and once sent it gives up after `STORE_LIMITS.commandTimeoutMs`. Either way the caller
 * gets a `StoreUnavailable`, and decides what that means for its request.
 *
 * Every key goes through `key()`, which prepends the manifest's `store.keyPrefix`
 * (node-redis's own `keyPrefix` skips script keys and Pub/Sub channels, which later
 * parts of the store need too).
 */
import { createClient, ErrorReply } from '@redis/client';
import { describeCause } from '../errors.js';
import type { Logger } from '../log.js';
import type { ResolvedStore } from '../manifest.js';
import { withoutPassword } from './url.js';

export const STORE_LIMITS = {
  /** A command sent and unanswered this long fails (and the store counts as down until one succeeds). */
  commandTimeoutMs: 1_000,
  /** One connection attempt. */
  connectTimeoutMs: 2_000,
  /** Reconnection attempts back off from 50 ms to this. */
  maxReconnectDelayMs: 1_000,
} as const;

export type StoreHealth = { readonly up: true } | { readonly up: false; readonly reason: string };

/** The store could not answer: disconnected, timed out, or refusing. The message says which. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}

function connect(config: ResolvedStore) {
  return createClient({
    url: config.url,
    RESP: 3,
    disableOfflineQueue: true,
    commandOptions: { timeout: STORE_LIMITS.commandTimeoutMs, rejectInFlight: true },
    socket: {
      connectTimeout: STORE_LIMITS.connectTimeoutMs,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, STORE_LIMITS.maxReconnectDelayMs),
    },
  });
}

/** The node-redis client commands run on. */
export type StoreClient = ReturnType<typeof connect>;

export interface Store {
  /** The URL, without its password: for messages. */
  readonly url: string;
  readonly keyPrefix: string;
  /** The key `name` under this store's prefix. */
  key(name: string): string;
  health(): StoreHealth;
  /** Runs `command`; any failure is a `StoreUnavailable` (a disconnected store fails before sending). */
  run<T>(command: (client: StoreClient) => Promise<T>): Promise<T>;
  /** Called after each (re)connection. */
  onReady(listener: () => void): void;
  /** A new connection with the same settings, not yet connected: for Pub/Sub, which needs its own. */
  duplicate(): StoreClient;
  /** One PING's round trip, in ms. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects to `config.url` in the background; until the first connection the store is
 * down ("connecting"). Going down and coming back are logged once each.
 */
export function openStore(config: ResolvedStore, log: Logger): Store {
  const url = withoutPassword(config.url);
  const client = connect(config);
  const readyListeners: (() => void)[] = [];
  let down: string | undefined = 'connecting';
  let closed = false;
  const markDown = (reason: string) => {
    if (closed) return;
    if (down === undefined || down === 'connecting')
      log.warn(`shared store ${url} is unreachable (${reason}); retrying`);
    down = reason;
  };
  const markUp = () => {
    if (down !== undefined && down !== 'connecting') log.info(`shared store ${url} is reachable again`);
    down = undefined;
  };
  // Without an 'error' listener node-redis would throw its connection errors at the process.
  client.on('error', (error: unknown) => markDown(describeCause(error)));
  client.on('ready', () => {
    markUp();
    for (const listener of readyListeners) listener();
  });
  client.connect().catch((error: unknown) => markDown(describeCause(error)));

  const store: Store = {
    url,
    keyPrefix: config.keyPrefix,
    key: (name) => `${config.keyPrefix}${name}`,
    health() {
      if (closed) return { up: false, reason: 'closed' };
      return down === undefined && client.isReady ? { up: true } : { up: false, reason: down ?? 'disconnected' };
    },
    async run(command) {
      if (closed) throw new StoreUnavailable(`shared store ${url} is closed`);
      if (!client.isReady) throw new StoreUnavailable(`shared store ${url} is unreachable (${down ?? 'disconnected'})`);
      try {
        const result = await command(client);
        markUp();
        return result;
      } catch (error) {
        const reason = describeCause(error);
        // An error reply is an answer: the connection is fine. Anything else (a timeout) is not.
        if (!(error instanceof ErrorReply)) markDown(reason);
        throw new StoreUnavailable(`shared store ${url} failed (${reason})`, { cause: error });
      }
    },
    onReady: (listener) => void readyListeners.push(listener),
    duplicate: () => client.duplicate(),
    async ping() {
      const started = performance.now();
      await store.run((c) => c.ping());
      return performance.now() - started;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
  return store;
}
