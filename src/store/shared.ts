/**
 * What replicas share through one store, opened together: the connection and the
 * requestState seal key. Later parts of the shared state (sessions, the event bus)
 * hang off the same connection.
 */
import type { Logger } from '../log.js';
import type { ResolvedStore } from '../manifest.js';
import { openStore, type Store } from './connection.js';
import { type SharedSealKey, sharedSealKey } from './seal-key.js';

export interface SharedStore {
  /** What it was opened with: a reload naming the same URL and prefix keeps it. */
  readonly config: ResolvedStore;
  readonly connection: Store;
  readonly sealKey: SharedSealKey;
}

export function openSharedStore(config: ResolvedStore, log: Logger): SharedStore {
  const connection = openStore(config, log);
  return { config, connection, sealKey: sharedSealKey(connection) };
}

/**
 * Why `store` cannot serve what needs it, or undefined when it can: unreachable, or
 * reachable but the seal key not read yet (for /readyz).
 */
export function storeNotReady(store: Pick<SharedStore, 'connection' | 'sealKey'>): string | undefined {
  const health = store.connection.health();
  if (!health.up) return `the shared store ${store.connection.url} is unreachable: ${health.reason}`;
  if (!store.sealKey.loaded) return `the shared store ${store.connection.url} has not given the requestState key yet`;
  return undefined;
}
