/**
 * What replicas share through one store, opened together: the connection, the
 * requestState seal key, the bus between replicas and the 2025-11-25 sessions.
 */
import type { Logger } from '../log.js';
import type { ResolvedStore } from '../manifest.js';
import { type FleetBus, openFleetBus } from './bus.js';
import { openStore, type Store } from './connection.js';
import { type SharedSealKey, sharedSealKey } from './seal-key.js';
import { type SessionLimits, type SharedSessions, sharedSessions } from './sessions.js';

export interface SharedStore {
  /** What it was opened with: a reload naming the same URL and prefix keeps it. */
  readonly config: ResolvedStore;
  readonly connection: Store;
  readonly sealKey: SharedSealKey;
  readonly bus: FleetBus;
  readonly sessions: SharedSessions;
  close(): Promise<void>;
}

export function openSharedStore(config: ResolvedStore, log: Logger, limits: SessionLimits): SharedStore {
  const connection = openStore(config, log);
  const bus = openFleetBus(connection, log);
  return {
    config,
    connection,
    sealKey: sharedSealKey(connection),
    bus,
    sessions: sharedSessions(connection, limits),
    close: () => bus.close().then(() => connection.close()),
  };
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
