/** One reload: load and build the next version, swap it in, tell clients and the operator what changed. */
import { relative } from 'node:path';
import type { LoadedManifest, LoadOptions } from '../config/index.js';
import { loadManifest } from '../config/index.js';
import { formatError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Sessions } from '../mcp/sessions.js';
import type { Generations } from './generation.js';
import { prefetchKeys } from './keys.js';
import { codeChanges, describeReload, diffManifests, listChanged, type ManifestChanges } from './reload.js';
import type { ReloadResult } from './reloader.js';
import type { Snapshot } from './snapshot.js';
import type { Watching } from './watching.js';

export interface Rebuilding {
  readonly loadOptions: LoadOptions;
  readonly build: (loaded: LoadedManifest) => Promise<Snapshot>;
  readonly generations: Generations;
  readonly sessions: Sessions;
  /** The address listened on: a reload cannot move it. */
  readonly listening: { readonly host: string; readonly port: number };
  /** Read at each reload: what the watcher follows then. */
  readonly watching: () => Watching;
  readonly closing: () => boolean;
  /** Called with each version swapped in, once the reload line is printed. */
  readonly onLoaded: (loaded: LoadedManifest) => void;
  readonly log: Logger;
}

/**
 * Rebuilds from the files and swaps the result in; on failure the current version
 * stays. `changedFiles`: the files whose change asks for it, named in the reload line.
 */
export function createRebuild(parts: Rebuilding): (changedFiles: readonly string[]) => Promise<ReloadResult> {
  const { generations, log } = parts;
  return async (changedFiles) => {
    const started = performance.now();
    if (parts.closing()) return { ok: false, ms: 0, error: new Error('the server is shutting down') };
    let next: Snapshot;
    try {
      next = await loadAndBuild(parts);
    } catch (error) {
      const ms = performance.now() - started;
      await parts.watching().followRefused();
      log.error(`reload failed; still serving the previous version.\n${formatError(error)}`);
      return { ok: false, ms, error };
    }
    const previous = generations.current!;
    const changes = diffManifests(previous.snapshot.loaded.manifest, next.loaded.manifest);
    const { http } = next.loaded.manifest;
    if (
      changes.settings.includes('http') &&
      (http.host !== parts.listening.host || http.port !== parts.listening.port)
    ) {
      log.warn('http.host and http.port changes take effect after a restart');
    }
    parts.sessions.update(next.blueprint);
    generations.serve(next);
    const ms = performance.now() - started;
    notifyListChanges(next, changes);
    // Which items the changed files belong to, by the version the watcher followed when they changed.
    const watching = parts.watching();
    const { root, handlers } = watching.watched;
    const code = codeChanges(previous.snapshot.loaded.manifest, handlers, changedFiles);
    const shown = changedFiles.map((file) => relative(root, file));
    // Followed before the line is printed: an edit made once it is read is seen.
    await watching.follow(next.loaded);
    log.info(describeReload(changes, code, shown, ms));
    for (const warning of next.loaded.warnings) log.warn(warning);
    parts.onLoaded(next.loaded);
    void prefetchKeys(next).then(
      (result) => result && 'error' in result && log.warn(`${result.error}: requests get 503 until they can`),
    );
    return { ok: true, ms, changes };
  };
}

/** The next version from the files; what it loaded is released again when it cannot be built. */
async function loadAndBuild({ loadOptions, build }: Rebuilding): Promise<Snapshot> {
  const loaded = await loadManifest(loadOptions);
  try {
    return await build(loaded);
  } catch (error) {
    await loaded.release();
    throw error;
  }
}

/** Clients are told which lists changed (`notifications/<list>/list_changed`). */
function notifyListChanges(next: Snapshot, changes: ManifestChanges): void {
  const { notify } = next.mcp;
  if (listChanged(changes.tools)) notify.toolsChanged();
  if (listChanged(changes.prompts)) notify.promptsChanged();
  if (listChanged(changes.resources) || listChanged(changes.resourceTemplates)) notify.resourcesChanged();
}
