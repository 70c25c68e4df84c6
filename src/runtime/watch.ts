/**
 * Watches a set of files for hot reload. Directories are watched rather than files:
 * editors that save by writing a new file and renaming it over the old one would
 * otherwise leave a file watch pointing at the deleted inode.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface FileWatcher {
  /** Replaces the watched set (handler imports change with the code). */
  update(files: readonly string[]): void;
  close(): void;
}

/**
 * Calls `onChange` once per burst of changes, `debounceMs` after the last one, with
 * the watched files that changed in it, first changed first (empty when the platform
 * did not say which file changed).
 */
export function watchFiles(
  files: readonly string[],
  onChange: (changed: string[]) => void,
  debounceMs = 100,
): FileWatcher {
  const watchers = new Map<string, FSWatcher>();
  let names = new Map<string, Set<string>>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let burst = new Set<string>();
  const changed = (file: string | undefined) => {
    if (file !== undefined) burst.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...burst];
      burst = new Set();
      onChange(files);
    }, debounceMs);
  };
  const update = (next: readonly string[]) => {
    // A reload that finishes after close() must not open watchers nobody closes.
    if (closed) return;
    names = new Map();
    for (const file of next) {
      const dir = dirname(file);
      if (!names.has(dir)) names.set(dir, new Set());
      names.get(dir)!.add(basename(file));
    }
    for (const [dir, watcher] of watchers) {
      if (!names.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of names.keys()) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => {
          if (name === null) changed(undefined);
          else if (names.get(dir)?.has(name.toString())) changed(join(dir, name.toString()));
        });
        watcher.on('error', () => watchers.delete(dir));
        watchers.set(dir, watcher);
      } catch {
        // A directory that vanished is picked up again by the next update.
      }
    }
  };
  update(files);
  return {
    update,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
