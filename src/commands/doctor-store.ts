/**
 * `mcp-serve doctor` on a manifest with `store`: whether this machine reaches the shared
 * store, how long a round trip takes, and the prefix its keys go under. Connects,
 * PINGs, and closes; writes nothing.
 */

import type { ResolvedStore } from '../manifest.js';
import { openStore, STORE_LIMITS, type Store } from '../store/connection.js';
import type { Check } from './doctor.js';

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

export async function checkStore(config: ResolvedStore): Promise<Check> {
  const store = openStore(config, SILENT);
  try {
    await connected(store, STORE_LIMITS.connectTimeoutMs);
    const ms = await store.ping();
    return {
      name: 'shared store',
      status: 'pass',
      detail: `${store.url} answers a PING in ${ms.toFixed(1)} ms; keys under "${config.keyPrefix}"`,
    };
  } catch {
    const health = store.health();
    return {
      name: 'shared store',
      status: 'fail',
      detail: `${store.url} is unreachable (${health.up ? 'no answer' : health.reason}): start it, or fix store.url; keys would be under "${config.keyPrefix}"`,
    };
  } finally {
    await store.close();
  }
}

/** Resolves once `store` is connected; rejects after `ms`. */
function connected(store: Store, ms: number): Promise<void> {
  if (store.health().up) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    store.onReady(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
