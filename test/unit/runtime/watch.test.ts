/**
 * watchFiles on a real temporary directory. fs.watch reports asynchronously, so every
 * wait is for an expected call, bounded; where a call must not happen, a second watcher
 * on the same files (the witness) shows that the change was seen and time has passed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type FileWatcher, watchFiles } from '../../../src/runtime/watch.js';
import { scratchDirectories } from '../../support/scratch.js';

const scratch = scratchDirectories('mcp-oauth-unit-watch-');
/** Long enough for fs.watch to report a change; a test waiting longer has failed. */
const WAIT_MS = 5_000;
/** Short debounce: the tests wait for its bursts. */
const DEBOUNCE_MS = 30;

/** Records the calls of one watcher and waits for them. */
function recorder() {
  const calls: string[][] = [];
  let wake: (() => void)[] = [];
  return {
    calls,
    onChange(files: string[]) {
      calls.push(files);
      for (const resolve of wake) resolve();
      wake = [];
    },
    /** Resolves once `count` calls were made; rejects after WAIT_MS. */
    async until(count: number): Promise<string[][]> {
      const deadline = Date.now() + WAIT_MS;
      while (calls.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`${calls.length} of ${count} calls after ${WAIT_MS} ms: ${JSON.stringify(calls)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return calls;
    },
  };
}

/** Starts a watcher with a recorder; closed when the test ends. */
function watched(
  t: { after(fn: () => void): void },
  files: string[],
  debounceMs = DEBOUNCE_MS,
): { watcher: FileWatcher } & ReturnType<typeof recorder> {
  const rec = recorder();
  const watcher = watchFiles(files, (changed) => rec.onChange(changed), debounceMs);
  t.after(() => watcher.close());
  return { watcher, ...rec };
}

describe('watchFiles', () => {
  test('a change to a watched file: one call naming it', async (t) => {
    const dir = scratch();
    const file = join(dir, 'tools.js');
    writeFileSync(file, 'v1');
    const w = watched(t, [file]);
    writeFileSync(file, 'v2');
    assert.deepEqual(await w.until(1), [[file]]);
  });

  test('a burst: one call with every file changed, first changed first; the next change is a new call', async (t) => {
    const dir = scratch();
    const [a, b, c] = ['a.js', 'b.js', 'c.js'].map((name) => join(dir, name)) as [string, string, string];
    for (const file of [a, b, c]) writeFileSync(file, 'v1');
    const w = watched(t, [a, b, c]);
    writeFileSync(b, 'v2');
    writeFileSync(a, 'v2');
    writeFileSync(b, 'v3');
    await w.until(1);
    writeFileSync(c, 'v2');
    assert.deepEqual(await w.until(2), [[b, a], [c]]);
  });

  test('a file beside the watched ones, in the same directory, is not reported', async (t) => {
    const dir = scratch();
    const file = join(dir, 'tools.js');
    const w = watched(t, [file]);
    // Reported in order: a report of notes.txt would come first, in this call or its own.
    writeFileSync(join(dir, 'notes.txt'), 'unrelated');
    writeFileSync(file, 'v1');
    assert.deepEqual(await w.until(1), [[file]]);
  });

  test('a followed file that did not exist yet: its creation is reported', async (t) => {
    const dir = scratch();
    const file = join(dir, 'later.js');
    const w = watched(t, [file]);
    writeFileSync(file, 'created');
    assert.deepEqual(await w.until(1), [[file]]);
  });

  test('an editor save (write a temporary file, rename it over the watched one) is reported, and the next one too', async (t) => {
    const dir = scratch();
    const file = join(dir, 'tools.js');
    writeFileSync(file, 'v1');
    const w = watched(t, [file]);
    writeFileSync(join(dir, '.tools.js.swp'), 'v2');
    renameSync(join(dir, '.tools.js.swp'), file);
    await w.until(1);
    writeFileSync(join(dir, '.tools.js.swp'), 'v3');
    renameSync(join(dir, '.tools.js.swp'), file);
    assert.deepEqual(await w.until(2), [[file], [file]]);
  });

  test('update(): files dropped are no longer reported, files added (in another directory) are', async (t) => {
    const first = scratch();
    const second = scratch();
    const old = join(first, 'old.js');
    const added = join(second, 'added.js');
    writeFileSync(old, 'v1');
    const w = watched(t, [old]);
    w.watcher.update([added]);
    writeFileSync(old, 'v2');
    writeFileSync(added, 'v1');
    assert.deepEqual(await w.until(1), [[added]]);
  });

  test('update(): a directory missing at first is watched once it exists', async (t) => {
    const dir = join(scratch(), 'handlers');
    const file = join(dir, 'tools.js');
    const w = watched(t, [file]);
    mkdirSync(dir);
    w.watcher.update([file]);
    writeFileSync(file, 'v1');
    assert.deepEqual(await w.until(1), [[file]]);
  });

  test('close(): later changes are not reported, and update() after close() watches nothing', async (t) => {
    const dir = scratch();
    const file = join(dir, 'tools.js');
    writeFileSync(file, 'v1');
    // The closed watcher's debounce is the shorter: had it seen the change, it would have called first.
    const closed = watched(t, [file], 10);
    const witness = watched(t, [file], 100);
    closed.watcher.close();
    closed.watcher.update([file]);
    writeFileSync(file, 'v2');
    assert.deepEqual(await witness.until(1), [[file]]);
    assert.deepEqual(closed.calls, []);
  });

  test('close() during a burst: the pending call is dropped', async (t) => {
    const dir = scratch();
    const file = join(dir, 'tools.js');
    writeFileSync(file, 'v1');
    const fast = watched(t, [file], 10);
    const closing = watched(t, [file], 200);
    const slow = watched(t, [file], 400);
    writeFileSync(file, 'v2');
    // All three have seen the change once the fast one calls; the closing one would call before the slow one.
    await fast.until(1);
    closing.watcher.close();
    await slow.until(1);
    assert.deepEqual(closing.calls, []);
  });
});
