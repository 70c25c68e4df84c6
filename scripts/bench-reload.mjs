#!/usr/bin/env node
// Hot-reload cost, end to end: a running server (mcp-serve --watch) whose handler
// imports a large module is reloaded N times (the same path a file change takes:
// load, validate, new handler worker, build, swap, retire the old worker), with a
// tool call over HTTP after each. Prints reload latency (median, p95), RSS before and
// after, and as a baseline from the same run, a cold start (start + first call).
//
//   npm run bench:reload [-- --reloads 200] [-- --json]
//
// Exits 1 when RSS grew by MAX_GROWTH_MB or more.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const MAX_GROWTH_MB = 30;
const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const RUNTIME = join(ROOT, 'dist', 'src', 'index.js');
if (!existsSync(RUNTIME)) {
  console.error(`${RUNTIME} is missing; run "npm run build" first`);
  process.exit(2);
}
const { startRuntime } = await import(RUNTIME);
const { createLogger } = await import(join(ROOT, 'dist', 'src', 'log.js'));
const { values } = parseArgs({
  options: { reloads: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } },
});
const reloads = Number(values.reloads);

// Inside the repository, like a real project's handlers (a tmpfs /tmp would hide pages from RSS).
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.tmp', 'bench-reload-'));
try {
  const result = await run(dir);
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `${result.reloads} reloads of a server whose handler imports a ${result.moduleMb} MB module (Node ${process.version}, ${result.cpus} CPUs)`,
    );
    console.log(
      `reload (load + worker + build + swap), then one tools/call: median ${result.medianMs} ms, p95 ${result.p95Ms} ms`,
    );
    console.log(
      `baseline, same run: cold start to first served call ${result.coldStartMs} ms; a reload costs ${result.ratio}x a cold start`,
    );
    console.log(
      `RSS: ${result.rssBeforeMb} MB before, ${result.rssAfterMb} MB after (growth ${result.growthMb} MB, budget < ${MAX_GROWTH_MB} MB), peak ${result.rssPeakMb} MB`,
    );
  }
  if (result.growthMb >= MAX_GROWTH_MB) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function run(dir) {
  // About 3 MB of object literals in a module-level constant.
  const rows = Array.from(
    { length: 30_000 },
    (_, i) => `{ id: ${i}, title: "todo number ${i}", done: ${i % 2 === 0}, tags: ["home", "work", "t${i % 97}"] }`,
  );
  const big = `export const TODOS = [\n${rows.join(',\n')}\n];\n`;
  mkdirSync(join(dir, 'handlers'));
  writeFileSync(join(dir, 'handlers', 'big.js'), big);
  writeFileSync(
    join(dir, 'handlers', 'count.js'),
    `import { TODOS } from './big.js';\nexport const count = () => ({ todos: TODOS.length });\n`,
  );
  writeFileSync(
    join(dir, 'mcp-oauth.config.json'),
    JSON.stringify({
      server: { name: 'bench', version: '1.0.0' },
      http: { host: '127.0.0.1', port: 0 },
      auth: { provider: 'none' },
      tools: [{ name: 'count', inputSchema: { type: 'object' }, handler: './handlers/count.js#count' }],
    }),
  );
  const options = { cwd: dir, watch: true, http: { port: 0 }, log: createLogger({ write: () => {} }), drainMs: 1000 };
  const call = async (url) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'count', arguments: {} } }),
    });
    const text = await response.text();
    if (!text.includes(`\\"todos\\":${rows.length}`)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
  };

  const t0 = performance.now();
  const runtime = await startRuntime(options);
  await call(runtime.url);
  const coldStartMs = performance.now() - t0;

  for (let i = 0; i < 20; i++) await reloadAndCall(runtime, call); // warm up: let the heaps reach their working size
  await settle(runtime);
  const rssBefore = rss();
  let rssPeak = rssBefore;
  const latencies = [];
  for (let i = 0; i < reloads; i++) {
    latencies.push(await reloadAndCall(runtime, call));
    rssPeak = Math.max(rssPeak, rss());
  }
  await settle(runtime);
  const rssAfter = rss();
  await runtime.close();
  latencies.sort((a, b) => a - b);
  const round = (n) => Math.round(n * 10) / 10;
  const median = latencies[Math.floor(latencies.length / 2)];
  return {
    reloads,
    cpus: (await import('node:os')).availableParallelism(),
    moduleMb: round(Buffer.byteLength(big) / 1024 / 1024),
    medianMs: round(median),
    p95Ms: round(latencies[Math.floor(latencies.length * 0.95)]),
    coldStartMs: round(coldStartMs),
    ratio: round(median / coldStartMs),
    rssBeforeMb: round(rssBefore),
    rssAfterMb: round(rssAfter),
    growthMb: round(rssAfter - rssBefore),
    rssPeakMb: round(rssPeak),
  };
}

async function reloadAndCall(runtime, call) {
  const t = performance.now();
  const result = await runtime.reload();
  if (!result.ok) throw result.error;
  await call(runtime.url);
  return performance.now() - t;
}

/** Lets retired workers finish and the heap settle before RSS is read. */
async function settle(runtime) {
  for (let i = 0; i < 100 && runtime.versions > 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function rss() {
  return process.memoryUsage().rss / 1024 / 1024;
}
