#!/usr/bin/env node
// The cost of mcp-serve's authorization layer, measured against baselines in the same
// run: an authenticated tools/call (RS256 JWT, a tool with an input schema) through
// mcp-serve with a manifest, in both protocol eras, and through
//   (a)  a bare node:http server answering the same JSON-RPC result (the ceiling),
//   (a') the same plus the same jose check and scope test,
//   (b)  the SDK v2's minimal stateless server with the same jose check, no manifest
//        (in both eras),
//   (c)  the SDK v2's documented Express pattern: createMcpExpressApp, the protected
//        resource metadata router, requireBearerAuth (a verifier doing the same jose
//        check, requiredScopes) in front of toNodeHandler(createMcpHandler(…)).
//   (s)  the SDK's per-request exchange alone: (b) with no auth, a shared validator and
//        the body parsed once, through mcp-serve's own Node adapter. It bounds any
//        server that serves its calls through createMcpHandler; mcp-serve ÷ (s) is
//        what the manifest, routing and authorization layer cost.
// (c) and (s) are measured in the 2026-07-28 era; mcp-serve in both eras, once more
// with no auth at all (mcp-serve ÷ that is what authorization costs), once with its
// verified-token cache off (every request then runs the jose check, as (a'), (b) do),
// once with a manifest of 50 tools (the same call; its cost should not grow), and once
// with MCP_SERVE_FAST_PATH=off (every request through createMcpHandler, as before the
// fast path), and once with a shared `store` on a redis-server this script starts (a
// stateless call needs nothing shared: it should cost nothing; skipped without
// redis-server), and a 2025-11-25 call in a session, without and with the store. The last table prints each target as met or not met.
// Load comes from autocannon in this process, pinned to CPU 0 where taskset exists;
// each server runs alone in a child pinned to CPU 1. Rounds are interleaved and medians
// quoted, because these machines are shared and noisy; a comparison with a baseline is
// the median of its per-round ratios (each pair measured within a minute).
// Each measurement follows an unmeasured 2 s warm-up on the same server. Reported per
// target: req/s, p50/p99 latency (from each response's own time; autocannon's
// percentiles are whole milliseconds), peak RSS and cold start, and each figure as a
// ratio to (a) and to (a').
// Then a long run per mcp-serve target: 10 s of load, VmRSS, --long-seconds more,
// VmRSS again; a leak shows as a climb (--long-seconds 0 skips it).
//
//   npm run bench [-- --seconds 5 --rounds 5 --connections 32 --long-seconds 20]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    'long-seconds': { type: 'string', default: '20' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const LONG_SECONDS = Number(values['long-seconds']);
const WARM_SECONDS = 2;
const SETTLE_SECONDS = 10;
const CPUS = availableParallelism();
const pin = existsSync('/usr/bin/taskset') && CPUS > 1 ? ['taskset', '-c', '1'] : [];
// The load generator keeps off the servers' CPU (every thread of this process), where
// affinity can be set.
let loadPinned = false;
if (pin.length) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    loadPinned = true;
  } catch {}
}

// A real issuer: an RS256 key served as a JWKS.
const { publicKey, privateKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
const issuerServer = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(req.url === '/jwks' ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/jwks` }));
});
await new Promise((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${issuerServer.address().port}`;

mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.tmp', 'bench-'));
mkdirSync(join(dir, 'handlers'));
writeFileSync(join(dir, 'handlers', 'echo.js'), 'export const echo = ({ text }) => `echo: ${text}`;\n');

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const TARGETS = [
  { key: 'a', name: '(a) bare node:http', start: (port) => baseline('bare', port) },
  { key: "a'", name: "(a') bare + jose + scope", start: (port) => baseline('bare-jose', port) },
  { key: 'b 2025', name: '(b) SDK v2 minimal, 2025-11-25', start: (port) => baseline('sdk', port) },
  { key: 'b', name: '(b) SDK v2 minimal, 2026-07-28', start: (port) => baseline('sdk', port), modern: true },
  { key: 's', name: '(s) SDK v2 exchange alone, 2026', start: (port) => baseline('sdk-exchange', port), modern: true },
  { key: 'c', name: '(c) SDK Express + requireBearerAuth', start: (port) => baseline('express', port), modern: true },
  {
    key: 'serve 2025',
    name: 'mcp-serve, 2025-11-25',
    start: (port) => mcpServe(port),
    ours: true,
    compare: ['b 2025'],
  },
  {
    key: 'serve 2026',
    name: 'mcp-serve, 2026-07-28',
    start: (port) => mcpServe(port),
    modern: true,
    ours: true,
    compare: ['b', 'c', 's', 'no auth'],
  },
  {
    key: 'no auth',
    name: 'mcp-serve, 2026, no auth',
    label: 'mcp-serve with no auth',
    start: (port) => mcpServe(port, { provider: 'none' }),
    modern: true,
    ours: true,
    compare: ['b', 'c', 's'],
  },
  {
    key: 'no cache',
    name: 'mcp-serve, 2026, no token cache',
    start: (port) => mcpServe(port, { tokenCacheSize: 0 }),
    modern: true,
    ours: true,
    compare: ['b', 'c', 's'],
  },
  {
    key: '50 tools',
    name: 'mcp-serve, 2026, 50 tools',
    start: (port) => mcpServe(port, {}, 49),
    modern: true,
    ours: true,
    compare: ['b', 'c', 's'],
  },
  {
    key: 'fast off',
    name: 'mcp-serve, 2026, fast path off',
    label: 'mcp-serve without the fast path',
    start: (port) => mcpServe(port, {}, 0, { MCP_SERVE_FAST_PATH: 'off' }),
    modern: true,
    ours: true,
    compare: ['b', 'c', 's'],
  },
];
// The shared store's target: a redis-server of our own, without persistence.
const redisServer = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin']
  .map((d) => join(d, 'redis-server'))
  .find((path) => existsSync(path));
let redis;
if (redisServer) {
  const port = await freePort();
  redis = {
    url: `redis://127.0.0.1:${port}`,
    proc: spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    }),
  };
  TARGETS.push(
    {
      key: 'store',
      name: 'mcp-serve, 2026, with store',
      start: (p) => mcpServe(p, {}, 0, {}, { url: redis.url }),
      modern: true,
      ours: true,
      compare: ['serve 2026'],
    },
    {
      key: 'session',
      name: 'mcp-serve, 2025, in a session',
      start: (p) => mcpServe(p),
      session: true,
      ours: true,
      compare: ['serve 2025'],
    },
    {
      key: 'session store',
      name: 'mcp-serve, 2025, session, with store',
      start: (p) => mcpServe(p, {}, 0, {}, { url: redis.url }),
      session: true,
      ours: true,
      compare: ['session'],
    },
  );
} else console.log('no redis-server found (apt-get install redis-server): the store target is skipped');
const NAME_WIDTH = Math.max(...TARGETS.map((t) => t.name.length)) + 2;

function url(port) {
  return `http://127.0.0.1:${port}/mcp`;
}

function baseline(kind, port) {
  return child(['node', join(ROOT, 'scripts', 'bench', 'target.mjs'), kind, port, issuer, url(port)]);
}

function child(argv, env = {}) {
  const proc = spawn(
    pin.length ? pin[0] : argv[0],
    pin.length ? [...pin.slice(1), process.execPath, ...argv.slice(1)] : argv.slice(1),
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  return proc;
}

/**
 * mcp-serve with the echo tool and `extraTools` more of the same shape (a call costs the
 * same with one or fifty). `auth` adds to the JWT settings; `{ provider: 'none' }` replaces them.
 */
function mcpServe(port, auth = {}, extraTools = 0, env = {}, store = undefined) {
  const tool = (name) => ({
    name,
    inputSchema: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] },
    scopes: ['bench:read'],
    handler: './handlers/echo.js#echo',
  });
  writeFileSync(
    join(dir, 'mcp-oauth.config.json'),
    JSON.stringify({
      server: { name: 'bench', version: '1.0.0' },
      http: { host: '127.0.0.1', port },
      auth:
        auth.provider === 'none'
          ? auth
          : { provider: 'jwt', issuer, jwksUri: `${issuer}/jwks`, algorithms: ['RS256'], ...auth },
      tools: [tool('echo'), ...Array.from({ length: extraTools }, (_, i) => tool(`echo_${i + 1}`))],
      ...(store && { store }),
    }),
  );
  return child(['node', join(ROOT, 'dist', 'src', 'bin.js'), '--config', join(dir, 'mcp-oauth.config.json')], env);
}

async function token(audience) {
  return new SignJWT({ scope: 'bench:read', sub: 'bench' })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

function request(target, _port, bearer) {
  const params = { name: 'echo', arguments: { text: 'hello' }, ...(target.modern && { _meta: META }) };
  return {
    method: 'POST',
    path: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${bearer}`,
      ...(target.modern && { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }),
  };
}

/** A port the OS reports free now (this machine runs other servers and tests too). */
async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitUntilServing(port, req, proc) {
  const started = performance.now();
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`the server for port ${port} exited (${proc.exitCode ?? proc.signalCode}) before serving`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
      });
      const text = await response.text();
      if (response.ok && text.includes('echo: hello')) return performance.now() - started;
    } catch {}
    if (performance.now() - started > 20_000) throw new Error(`port ${port} did not serve a tools/call within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts a target on a fresh port and waits until it answers the tools/call; the caller kills proc. */
async function serve(target) {
  const port = await freePort();
  const bearer = await token(url(port));
  const req = request(target, port, bearer);
  const proc = target.start(port);
  try {
    const coldMs = await waitUntilServing(port, req, proc);
    if (target.session) inSession(req, await openSession(port, req.headers));
    return { port, req, proc, coldMs };
  } catch (error) {
    proc.kill('SIGKILL');
    throw error;
  }
}

/** Opens a 2025-11-25 session (initialize, then initialized); the headers its requests carry. */
async function openSession(port, headers) {
  const post = (body, extra = {}) =>
    fetch(url(port), { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
  const params = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } };
  const opened = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params });
  await opened.text();
  const session = { 'mcp-session-id': opened.headers.get('mcp-session-id'), 'mcp-protocol-version': '2025-11-25' };
  if (!session['mcp-session-id']) throw new Error(`no session opened on port ${port} (${opened.status})`);
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
  return session;
}

/**
 * Sends `req` in a session. Each request gets its own JSON-RPC id, as a client's do: in
 * a session, calls in flight with one id would answer each other's streams.
 */
function inSession(req, sessionHeaders) {
  req.headers = { ...req.headers, ...sessionHeaders };
  const message = JSON.parse(req.body);
  let id = 0;
  req.setupRequest = (r) => ({ ...r, body: JSON.stringify({ ...message, id: ++id }) });
}

/**
 * Load for `seconds`; `latencies` collects each response's time in ms. autocannon's own
 * percentiles are whole milliseconds, too coarse for (a), which answers in under one.
 */
async function load(target, { port, req }, seconds, latencies) {
  const result = await new Promise((resolve, reject) => {
    const run = autocannon(
      { url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: seconds, requests: [req] },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    if (latencies) run.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${target.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result;
}

/** The p-th percentile (0–100) of `values`, sorted here. */
function percentile(values, p) {
  values.sort((x, y) => x - y);
  return values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
}

async function measure(target) {
  const server = await serve(target);
  try {
    // Unmeasured: the first seconds of a Node server measure its JIT, not its steady state.
    await load(target, server, WARM_SECONDS);
    const latencies = [];
    const result = await load(target, server, SECONDS, latencies);
    return {
      rps: result.requests.average,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rssMb: memoryMb(server.proc, 'VmHWM'),
      coldMs: server.coldMs,
    };
  } finally {
    server.proc.kill('SIGKILL');
  }
}

/**
 * Current RSS after a first stretch of load (the heap grows to its working size), then
 * after a long one: a leak shows as a climb.
 */
async function longRun(target) {
  const server = await serve(target);
  try {
    await load(target, server, SETTLE_SECONDS);
    const beforeMb = memoryMb(server.proc, 'VmRSS');
    const result = await load(target, server, LONG_SECONDS);
    return { name: target.name, beforeMb, afterMb: memoryMb(server.proc, 'VmRSS'), rps: result.requests.average };
  } finally {
    server.proc.kill('SIGKILL');
  }
}

/** VmHWM (peak) or VmRSS (current) of a server, in MB. With taskset the server is taskset's exec: same pid. */
function memoryMb(proc, field) {
  try {
    return (
      Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? NaN) /
      1024
    );
  } catch {
    return NaN;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = new Map(TARGETS.map((t) => [t.name, []]));
console.log(
  `Benchmark: ${ROUNDS} interleaved rounds × ${SECONDS} s per target, ${CONNECTIONS} connections, Node ${process.version}, ${CPUS} CPUs${pin.length ? ', servers pinned to CPU 1' : ''}${loadPinned ? ', load on CPU 0' : ''}`,
);
for (let round = 1; round <= ROUNDS; round++) {
  for (const target of TARGETS) {
    process.stdout.write(`  round ${round}/${ROUNDS}: ${target.name} ... `);
    const r = await measure(target);
    runs.get(target.name).push(r);
    console.log(`${Math.round(r.rps)} req/s`);
  }
}

const summary = TARGETS.map((t) => {
  const rs = runs.get(t.name);
  return {
    name: t.name,
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    rssMb: Math.max(...rs.map((r) => r.rssMb)),
    coldMs: median(rs.map((r) => r.coldMs)),
  };
});
/** Ours ÷ baseline in req/s per round (measured a minute apart at most), then the median: steadier than a ratio of medians. */
const roundRatio = (ours, key) => {
  const baseline = runs.get(TARGETS.find((t) => t.key === key).name);
  return median(runs.get(ours.name).map((r, round) => r.rps / baseline[round].rps));
};
const baselineOf = (key) => summary[TARGETS.findIndex((t) => t.key === key)];
const a = baselineOf('a');
const aPrime = baselineOf("a'");
const pad = (s, n) => String(s).padEnd(n);
const ms = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
console.log(
  `\n${pad('target', NAME_WIDTH)}${pad('req/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('peak RSS', 10)}cold start`,
);
for (const s of summary) {
  console.log(
    `${pad(s.name, NAME_WIDTH)}${pad(Math.round(s.rps), 9)}${pad(ms(s.p50), 9)}${pad(ms(s.p99), 9)}${pad(`${Math.round(s.rssMb)} MB`, 10)}${Math.round(s.coldMs)} ms`,
  );
}
// Each figure as a ratio to the ceiling (a) and the ceiling with auth (a'): higher is
// better for req/s, lower for latency and memory.
const ratio = (x, y) => pad((x / y).toFixed(2), 7);
const GROUPS = [
  ['req/s', 'rps'],
  ['p50', 'p50'],
  ['p99', 'p99'],
  ['peak RSS', 'rssMb'],
];
console.log(
  `\nRatios to (a) and (a')\n${pad('', NAME_WIDTH)}${GROUPS.map(([title]) => pad(title, 14)).join('')}`.trimEnd(),
);
console.log(
  `${pad('target', NAME_WIDTH)}${GROUPS.map(() => `${pad('×(a)', 7)}${pad("×(a')", 7)}`).join('')}`.trimEnd(),
);
for (const s of summary) {
  console.log(
    `${pad(s.name, NAME_WIDTH)}${GROUPS.map(([, key]) => `${ratio(s[key], a[key])}${ratio(s[key], aPrime[key])}`).join('')}`.trimEnd(),
  );
}
console.log('\nreq/s against the SDK-based baselines (the median of the per-round ratios)');
for (const t of TARGETS.filter((t) => t.ours)) {
  const ratios = t.compare.map((key) => {
    const baseline = TARGETS.find((b) => b.key === key);
    return `${roundRatio(t, key).toFixed(2)}× ${baseline.label ?? baseline.name.split(',')[0]}`;
  });
  console.log(`${pad(t.name, NAME_WIDTH)}${ratios.join(', ')}${t.compare[0] === 'b 2025' ? ' (same era)' : ''}`);
}

// The fast path's targets, per era (the SDK's minimal server (b) of the same era; (c)
// runs at 2026-07-28 only): met or not met, from the same run.
const byKey = (key) => TARGETS.find((t) => t.key === key);
const [serve2025, serve2026] = ['serve 2025', 'serve 2026'].map(byKey);
const summaryOf = (t) => summary[TARGETS.indexOf(t)];
const goals = [];
const goal = (label, eras, met) => goals.push({ label, eras, met });
const perEra = (of) => [of(serve2026, 'b'), of(serve2025, 'b 2025')];
goal(
  "req/s ≥ 0.8× (a')",
  perEra((t) => roundRatio(t, "a'")),
  (x) => x >= 0.8,
);
goal(
  'req/s ≥ 0.2× (a)',
  perEra((t) => roundRatio(t, 'a')),
  (x) => x >= 0.2,
);
goal(
  'req/s ≥ 4× (b)',
  perEra((t, b) => roundRatio(t, b)),
  (x) => x >= 4,
);
goal(
  'req/s ≥ 5× (c)',
  perEra((t) => roundRatio(t, 'c')),
  (x) => x >= 5,
);
goal(
  "p99 ≤ 2× (a')",
  perEra((t) => summaryOf(t).p99 / aPrime.p99),
  (x) => x <= 2,
);
goal("no token cache: req/s ≥ 0.5× (a')", [roundRatio(byKey('no cache'), "a'")], (x) => x >= 0.5);
goal(
  "peak RSS ≤ 1.5× (a')",
  perEra((t) => summaryOf(t).rssMb / aPrime.rssMb),
  (x) => x <= 1.5,
);
// Within noise: the per-round spread of one target is 10–20 % on these machines.
goal('50 tools: req/s ≥ 0.9× 1 tool', [roundRatio(byKey('50 tools'), 'serve 2026')], (x) => x >= 0.9);
// A stateless call reads nothing from the store; within noise of the same server without one.
if (byKey('store'))
  goal('with store: req/s ≥ 0.95× without', [roundRatio(byKey('store'), 'serve 2026')], (x) => x >= 0.95);
// A call in a session pushes its expiry back in the store and keeps its events there.
if (byKey('session store'))
  goal('session + store: req/s ≥ 0.7× without', [roundRatio(byKey('session store'), 'session')], (x) => x >= 0.7);
const coldMs = perEra((t) => summaryOf(t).coldMs);
console.log(`\n${pad('Fast-path targets', NAME_WIDTH)}${pad('2026-07-28', 18)}2025-11-25`);
const cell = (x, met, unit = '×') =>
  pad(`${unit === '×' ? x.toFixed(2) : Math.round(x)}${unit} ${met(x) ? 'met' : 'not met'}`, 18);
for (const { label, eras, met } of goals)
  console.log(`${pad(label, NAME_WIDTH)}${eras.map((x) => cell(x, met)).join('')}`.trimEnd());
console.log(
  `${pad('cold start < 300 ms', NAME_WIDTH)}${coldMs.map((x) => cell(x, (v) => v < 300, ' ms')).join('')}`.trimEnd(),
);
console.log(
  `${pad('fast path ÷ without it', NAME_WIDTH)}${roundRatio(serve2026, 'fast off').toFixed(2)}× (req/s, 2026-07-28)`,
);

if (LONG_SECONDS > 0) {
  console.log(`\nLong run: current RSS (VmRSS) after ${SETTLE_SECONDS} s of load, and after ${LONG_SECONDS} s more`);
  const longRuns = [];
  for (const target of [serve2025, serve2026]) {
    process.stdout.write(`  ${target.name} ... `);
    const r = await longRun(target);
    longRuns.push(r);
    console.log(`${Math.round(r.rps)} req/s`);
  }
  console.log(`\n${pad('target', NAME_WIDTH)}${pad('req/s', 9)}RSS before → after`);
  for (const r of longRuns) {
    const [before, after] = [Math.round(r.beforeMb), Math.round(r.afterMb)];
    // Flat: within 10 % (the heap settles in steps).
    const flat = r.afterMb <= r.beforeMb * 1.1;
    console.log(
      `${pad(r.name, NAME_WIDTH)}${pad(Math.round(r.rps), 9)}${before} → ${after} MB (${after >= before ? '+' : '−'}${Math.abs(after - before)}), flat RSS ${flat ? 'met' : 'not met'}`,
    );
  }
}
issuerServer.close();
redis?.proc.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
