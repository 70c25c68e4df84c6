/** Reloads one at a time: changes during a reload trigger one more afterwards. */
import type { ManifestChanges } from './reload.js';

export type ReloadResult =
  | { ok: true; ms: number; changes: ManifestChanges }
  | { ok: false; ms: number; error: unknown };

/**
 * Serializes `reloadOnce`. A call while one runs shares its result and asks for one
 * more reload afterwards, which names every file changed since the running one began.
 */
export function createReloader(
  reloadOnce: (changed: readonly string[]) => Promise<ReloadResult>,
): (changed?: readonly string[]) => Promise<ReloadResult> {
  let reloading: Promise<ReloadResult> | undefined;
  let again = false;
  // Files changed since the last reload began; the next one names them.
  const pending = new Set<string>();
  const reload = (changed: readonly string[] = []): Promise<ReloadResult> => {
    for (const file of changed) pending.add(file);
    if (reloading) {
      again = true;
      return reloading;
    }
    const files = [...pending];
    pending.clear();
    reloading = reloadOnce(files).finally(() => {
      reloading = undefined;
      if (again) {
        again = false;
        void reload();
      }
    });
    return reloading;
  };
  return reload;
}
