/**
 * The shared store over time. It outlives snapshots, like the sessions: a reload that
 * names the same URL and key prefix keeps the open connection (and the seal key read
 * through it); one that changes them opens a new connection, and the old one is closed
 * once the reload is over, whether it succeeded or not. Opening never fails: an
 * unreachable store is a `/readyz` 503 and a reconnection loop, not a refused reload.
 */
import type { Logger } from '../log.js';
import type { ResolvedStore } from '../manifest.js';
import { openSharedStore, type SharedStore } from '../store/shared.js';
import { LIMITS } from './limits.js';

export interface Stores {
  /** The store for `config`: the open one when it has the same URL and prefix, else a new connection. */
  use(config: ResolvedStore | undefined): SharedStore | undefined;
  /** Closes every store but `kept`, the one the current snapshot serves with. */
  keepOnly(kept: SharedStore | undefined): Promise<void>;
  close(): Promise<void>;
}

/** `opened`: told of each new store, to listen to its bus. */
export function createStores(log: Logger, opened: (store: SharedStore) => void): Stores {
  const open = new Set<SharedStore>();
  const closeAll = (stores: SharedStore[]) => Promise.all(stores.map((s) => s.close())).then(() => {});
  return {
    use(config) {
      if (!config) return undefined;
      const same = [...open].find((s) => s.config.url === config.url && s.config.keyPrefix === config.keyPrefix);
      if (same) return same;
      const store = openSharedStore(config, log, {
        maxSessions: LIMITS.maxSessions,
        idleMs: LIMITS.sessionIdleMs,
        maxEvents: LIMITS.maxEvents,
      });
      open.add(store);
      opened(store);
      return store;
    },
    keepOnly(kept) {
      const stale = [...open].filter((s) => s !== kept);
      for (const s of stale) open.delete(s);
      return closeAll(stale);
    },
    close() {
      const all = [...open];
      open.clear();
      return closeAll(all);
    },
  };
}
