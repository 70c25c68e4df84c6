/**
 * Requests that need the shared store while it cannot serve them get 503 with
 * Retry-After at once: never a hang, nor an error that blames the client. Of what is
 * shared so far, that is a 2026-07-28 round carrying `requestState` on a replica that
 * has not read the seal key from the store yet (once read, the key is kept, and rounds
 * need no store).
 */
import type { Refusal } from './respond.js';
import type { HttpSnapshot } from './types.js';

export function refuseWithoutStore(store: HttpSnapshot['store'], parsed: unknown): Refusal | undefined {
  if (!store || store.sealKey.loaded || !carriesRequestState(parsed)) return undefined;
  return {
    status: 503,
    body: {
      error: 'temporarily_unavailable',
      error_description: 'The shared store that seals requestState is unreachable; try again shortly',
    },
    headers: { 'Retry-After': '2' },
    reason: 'store_unavailable',
  };
}

function carriesRequestState(parsed: unknown): boolean {
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  return messages.some(
    (m) => typeof (m as { params?: { requestState?: unknown } } | null)?.params?.requestState === 'string',
  );
}
