#!/usr/bin/env node
// Reload cost of handler hosts (watch mode): each cycle starts a new host for a
// handler that imports a large module, calls it, and retires the previous host, as a
// reload does. Prints the reload latency and the process's RSS before and after.
//
//   npm run build && node --expose-gc scripts/bench-reload.mjs [--cycles 200] [--json]
//
// Exits 1 when RSS grew by MAX_GROWTH_MB or more (the budget for 200 reloads).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const MAX_GROWTH_MB = 30;
const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const HOST = join(ROOT, 'dist', 'src', 'handler-host.js');
if (!existsSync(HOST)) {
  console.error(`${HOST} is missing; run "npm run build" first`);
  process.exit(2);
}
const { startHandlerHost } = await import(HOST);
const { values } = parseArgs({ options: { cycles: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } } });
const cycles = Number(values.cycles);

// Inside the repository, like a real project's handlers (and away from a tmpfs /tmp,
// whose pages would not show in RSS anyway).
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.tmp', 'bench-reload-'));
try {
  const result = await run(dir);
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`${result.cycles} reloads of a handler importing a ${result.moduleMb} MB module`);
    console.log(`reload latency (start host + first call): median ${result.medianMs} ms, p95 ${result.p95Ms} ms; total ${result.totalMs} ms`);
    console.log(`RSS: ${result.rssBeforeMb} MB before, ${result.rssAfterMb} MB after (growth ${result.growthMb} MB, budget < ${MAX_GROWTH_MB} MB), ${result.rssPeakMb} MB at most${global.gc ? '' : '; run with --expose-gc for steadier numbers'}`);
  }
  if (result.growthMb >= MAX_GROWTH_MB) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function run(dir) {
  // About 3 MB of object literals in a module-level constant.
  const rows = Array.from({ length: 30_000 }, (_, i) => `{ id: ${i}, title: "todo number ${i}", done: ${i % 2 === 0}, tags: ["home", "work", "t${i % 97}"], due: "2026-01-${String((i % 28) + 1).padStart(2, '0')}" }`);
  const big = `export const TODOS = [\n${rows.join(',\n')}\n];\n`;
  writeFileSync(join(dir, 'big.js'), big);
  writeFileSync(join(dir, 'handler.js'), `import { TODOS } from './big.js';\nexport function count() { return { todos: TODOS.length }; }\n`);
  const specs = [{ tool: 'count', spec: './handler.js#count', file: join(dir, 'handler.js'), exportName: 'count' }];
  const signal = new AbortController().signal;

  const reload = async (previous) => {
    const started = await startHandlerHost(specs);
    if (!started.ok) throw new Error(started.problems.map((p) => p.message).join('\n'));
    const value = await started.host.call('count', {}, { auth: undefined, signal });
    if (value.todos !== rows.length) throw new Error(`unexpected result ${JSON.stringify(value)}`);
    await previous?.retire();
    return started.host;
  };

  // Warm up, then measure with no host alive before and after.
  let host;
  for (let i = 0; i < 5; i++) host = await reload(host);
  await host.retire();
  host = undefined;
  await settle();
  const rssBefore = rss();
  const latencies = [];
  let rssPeak = rssBefore;
  const t0 = performance.now();
  for (let i = 0; i < cycles; i++) {
    const t = performance.now();
    host = await reload(host);
    latencies.push(performance.now() - t);
    rssPeak = Math.max(rssPeak, rss());
  }
  const totalMs = performance.now() - t0;
  await host.retire();
  await settle();
  const rssAfter = rss();
  latencies.sort((a, b) => a - b);
  const round = (n) => Math.round(n * 10) / 10;
  return {
    cycles,
    moduleMb: round(big.length / 2 ** 20),
    totalMs: Math.round(totalMs),
    medianMs: round(latencies[Math.floor(cycles / 2)] ?? 0),
    p95Ms: round(latencies[Math.floor(cycles * 0.95)] ?? 0),
    rssBeforeMb: round(rssBefore),
    rssAfterMb: round(rssAfter),
    rssPeakMb: round(rssPeak),
    growthMb: round(rssAfter - rssBefore),
  };
}

function rss() {
  return process.memoryUsage().rss / 2 ** 20;
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
