/**
 * The key that seals 2026-07-28 `requestState` (mcp/calls.ts), shared by every replica
 * so a round minted on one verifies on any other. Made once, in the store: the first
 * replica to ask writes a random 32-byte key with SET NX, and every replica reads
 * whichever key won. Once read it is kept in memory, so sealing and verifying cost no
 * round trip and keep working while the store is down. After each reconnection the key
 * is offered again (SET NX of the one in memory): a store that restarted without
 * persistence gets the fleet's key back instead of a new one.
 */
import { randomBytes } from 'node:crypto';
import { type Store, StoreUnavailable } from './connection.js';

const KEY_BYTES = 32;

export interface SharedSealKey {
  /** Whether the key has been read from the store. */
  readonly loaded: boolean;
  /** The key; read from the store while not loaded yet (a `StoreUnavailable` when it cannot be). */
  get(): Promise<Uint8Array>;
}

export function sharedSealKey(store: Store): SharedSealKey {
  let key: Uint8Array | undefined;
  let loading: Promise<Uint8Array> | undefined;
  const load = (): Promise<Uint8Array> =>
    (loading ??= agree(store, key).then(
      (agreed) => {
        loading = undefined;
        key = agreed;
        return agreed;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));
  store.onReady(() => void load().catch(() => {}));
  return {
    get loaded() {
      return key !== undefined;
    },
    get: () => (key ? Promise.resolve(key) : load()),
  };
}

/** Offers `mine` (or a fresh key) and returns the key the store holds: two round trips. */
async function agree(store: Store, mine: Uint8Array | undefined): Promise<Uint8Array> {
  const name = store.key('requestState:key');
  const offered = Buffer.from(mine ?? randomBytes(KEY_BYTES)).toString('base64');
  const stored = await store.run(async (client) => {
    await client.set(name, offered, { condition: 'NX' });
    return client.get(name);
  });
  const bytes = typeof stored === 'string' ? Buffer.from(stored, 'base64') : undefined;
  if (!bytes || bytes.length !== KEY_BYTES)
    throw new StoreUnavailable(
      `${name} in the shared store is not a ${KEY_BYTES}-byte key; delete it and a new one is made`,
    );
  return new Uint8Array(bytes);
}
