/** Temporary directories for one test file, removed once its tests are done. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * Returns a function that makes a fresh directory `<prefix>XXXXXX` in the OS temp
 * dir. Call it at the top of a test file: it registers the `after` hook that
 * removes every directory made.
 */
export function scratchDirectories(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}
