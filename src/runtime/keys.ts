import type { Snapshot } from './snapshot.js';

/** Fail early and visibly on a wrong JWKS, but keep serving: an outage is a 503, not a crash. */
export async function prefetchKeys(snapshot: Snapshot): Promise<{ loaded: number } | { error: string } | undefined> {
  if (!snapshot.verifier) return undefined;
  return snapshot.verifier.prefetch().then(
    (loaded) => ({ loaded }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
}
