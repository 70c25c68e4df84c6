/**
 * What --watch follows: the files of the version served, and after a refused reload
 * also those of the version refused, so that fixing it reloads.
 */
import { realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type LoadedManifest, type LoadOptions, loadManifest } from '../config/index.js';
import type { HandlerGraph } from './reload.js';

/** What --watch follows for one version, and which handler each file belongs to. */
export interface Watched {
  /** The manifest's directory, symlinks resolved: every path below is spelled under it, as Node's module cache spells them. */
  readonly root: string;
  readonly files: readonly string[];
  readonly handlers: readonly HandlerGraph[];
}

export interface Watching {
  /** The files followed now, and which handler each belongs to (the serving version's). */
  readonly watched: Watched;
  /** Follows `next`'s files instead (after a reload that swapped it in). */
  follow(next: LoadedManifest): Promise<void>;
  /**
   * After a refused reload, also follows the handler modules the new manifest names
   * (checked without importing them): fixing a new handler's syntax error reloads.
   */
  followRefused(): Promise<void>;
  close(): void;
}

/** Without --watch: nothing is followed; changed files are named relative to the manifest's directory. */
export function notWatching(loaded: LoadedManifest): Watching {
  return {
    watched: { root: loaded.manifest.dir, files: [], handlers: [] },
    follow: async () => {},
    followRefused: async () => {},
    close: () => {},
  };
}

/** Follows `loaded`'s files, calling `onChange` with the files of each burst of changes. */
export async function startWatching(
  loaded: LoadedManifest,
  loadOptions: LoadOptions,
  onChange: (changed: string[]) => void,
): Promise<Watching> {
  // Loaded only with --watch.
  const { watchFiles } = await import('./watch.js');
  const watcher = watchFiles([], onChange);
  let watched: Watched = notWatching(loaded).watched;
  // `keep`: files to go on following besides `next`'s (after a refused reload, the serving version's).
  const follow = async (next: LoadedManifest, keep: readonly string[] = []) => {
    let found: Watched;
    try {
      found = await watchedFiles(next);
    } catch {
      return; // The manifest's directory is gone; what was followed stays followed.
    }
    watched = keep.length > 0 ? { ...watched, files: [...new Set([...keep, ...found.files])] } : found;
    watcher.update(watched.files);
  };
  await follow(loaded);
  return {
    get watched() {
      return watched;
    },
    follow: (next) => follow(next),
    async followRefused() {
      try {
        await follow(await loadManifest({ ...loadOptions, handlers: false }), watched.files);
      } catch {
        // The manifest itself is broken: its own file is followed already.
      }
    },
    close: () => watcher.close(),
  };
}

/**
 * The manifest, the `.env` beside it, and every handler module the loader imports
 * (`handlerModules`) with the local modules it imports. A handler module that does
 * not exist yet is followed too, so creating it reloads. `file:` resources are not:
 * each read reads the file, so the next read serves the edit without a reload.
 */
export async function watchedFiles(loaded: LoadedManifest): Promise<Watched> {
  const { manifest, handlerModules } = loaded;
  const { collectImportGraph } = await import('../handlers/import-graph.js');
  const root = await realpath(manifest.dir);
  const rooted = (file: string) => join(root, relative(manifest.dir, file));
  const entries = [...new Set(handlerModules.map((m) => rooted(m.file)))];
  const graphs = new Map(
    await Promise.all(entries.map(async (file) => [file, await collectImportGraph([file], root)] as const)),
  );
  const handlers = handlerModules.map(({ path, file }) => ({
    path,
    files: [...new Set([rooted(file), ...graphs.get(rooted(file))!])],
  }));
  return {
    root,
    files: [...new Set([rooted(manifest.file), join(root, '.env'), ...handlers.flatMap((h) => h.files)])],
    handlers,
  };
}
