/**
 * createReloader: one reload at a time; changes that arrive during one share its result
 * and trigger exactly one more, which names every file changed meanwhile.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReloadResult } from '../src/runtime/reloader.js';
import { createReloader } from '../src/runtime/reloader.js';

test('changes during a reload: one more reload afterwards, naming all of them', async () => {
  const runs: (readonly string[])[] = [];
  const gates: (() => void)[] = [];
  const reload = createReloader(async (changed) => {
    runs.push(changed);
    await new Promise<void>((resolve) => gates.push(resolve));
    return { ok: false, ms: runs.length, error: 'test' } satisfies ReloadResult;
  });
  const first = reload(['a.js']);
  const second = reload(['b.js']);
  const third = reload(['c.js', 'b.js']);
  assert.deepEqual(runs, [['a.js']], 'one reload at a time');
  gates.shift()!();
  assert.equal(await first, await second, 'a call during a reload shares its result');
  assert.equal(await first, await third);
  for (let i = 0; i < 10 && runs.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(runs, [['a.js'], ['b.js', 'c.js']]);
  gates.shift()!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(runs.length, 2, 'no reload without a change');
  const later = reload();
  assert.deepEqual(runs[2], [], 'a reload asked for without files names none');
  gates.shift()!();
  assert.equal((await later).ms, 3);
});
