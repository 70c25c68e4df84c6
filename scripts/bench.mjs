#!/usr/bin/env node
// The cost of mcp-serve's authorization layer, measured against baselines in the same
// run: an authenticated tools/call (RS256 JWT, a tool with an input schema) through
// mcp-serve with a manifest, in both protocol eras, and through
//   (a)  a bare node:http server answering the same JSON-RPC result (the ceiling),
//   (a') the same plus the same jose check and scope test,
//   (b)  the SDK v2's minimal stateless server with the same jose check, no manifest.
// Load comes from autocannon in this process (pinned to CPU 0 where taskset exists);
// each server runs alone in a child pinned to CPU 1. Rounds are interleaved and medians
// quoted, because these machines are shared and noisy.
//
//   npm run bench [-- --seconds 5 --rounds 3 --connections 32]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '32' } } });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const pin = existsSync('/usr/bin/taskset') && availableParallelism() > 1 ? ['taskset', '-c', '1'] : [];

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

let nextPort = 39000 + Math.floor(Math.random() * 2000);
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };

const TARGETS = [
  { name: '(a) bare node:http', start: (port) => child(['node', join(ROOT, 'scripts', 'bench', 'target.mjs'), 'bare', port, issuer, url(port)]) },
  { name: "(a') bare + jose + scope", start: (port) => child(['node', join(ROOT, 'scripts', 'bench', 'target.mjs'), 'bare-jose', port, issuer, url(port)]) },
  { name: '(b) SDK v2 minimal + jose', start: (port) => child(['node', join(ROOT, 'scripts', 'bench', 'target.mjs'), 'sdk', port, issuer, url(port)]), modern: true },
  { name: 'mcp-serve, 2025-11-25', start: (port) => mcpServe(port) },
  { name: 'mcp-serve, 2026-07-28', start: (port) => mcpServe(port), modern: true },
];

function url(port) {
  return `http://127.0.0.1:${port}/mcp`;
}

function child(argv) {
  const proc = spawn(pin.length ? pin[0] : argv[0], pin.length ? [...pin.slice(1), process.execPath, ...argv.slice(1)] : argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  return proc;
}

function mcpServe(port) {
  writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify({
    server: { name: 'bench', version: '1.0.0' },
    http: { host: '127.0.0.1', port },
    auth: { provider: 'jwt', issuer, jwksUri: `${issuer}/jwks`, algorithms: ['RS256'] },
    tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] }, scopes: ['bench:read'], handler: './handlers/echo.js#echo' }],
  }));
  return child(['node', join(ROOT, 'dist', 'src', 'bin.js'), '--config', join(dir, 'mcp-oauth.config.json')]);
}

async function token(audience) {
  return new SignJWT({ scope: 'bench:read', sub: 'bench' }).setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' })
    .setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('1h').sign(privateKey);
}

function request(target, port, bearer) {
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

async function waitUntilServing(port, req) {
  const started = performance.now();
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: req.headers, body: req.body });
      const text = await response.text();
      if (response.ok && text.includes('echo: hello')) return performance.now() - started;
    } catch {}
    if (performance.now() - started > 20_000) throw new Error(`port ${port} did not serve a tools/call within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function measure(target) {
  const port = nextPort++;
  const bearer = await token(url(port));
  const req = request(target, port, bearer);
  const proc = target.start(port);
  try {
    const coldMs = await waitUntilServing(port, req);
    const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: SECONDS, requests: [req] });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, rssMb: await rss(proc), coldMs };
  } finally {
    proc.kill('SIGKILL');
  }
}

async function rss(proc) {
  const { readFileSync } = await import('node:fs');
  // With taskset the server is the child of taskset's exec: same pid.
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return NaN;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = new Map(TARGETS.map((t) => [t.name, []]));
console.log(`Benchmark: ${ROUNDS} interleaved rounds × ${SECONDS} s per target, ${CONNECTIONS} connections, Node ${process.version}, ${availableParallelism()} CPUs${pin.length ? ', servers pinned to CPU 1' : ''}`);
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
  return { name: t.name, rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), rssMb: Math.max(...rs.map((r) => r.rssMb)), coldMs: median(rs.map((r) => r.coldMs)) };
});
const a = summary[0];
const aPrime = summary[1];
const pad = (s, n) => String(s).padEnd(n);
console.log(`\n${pad('target', 28)}${pad('req/s', 9)}${pad('×(a)', 7)}${pad("×(a')", 7)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('p99÷(a\')', 10)}${pad('peak RSS', 10)}cold start`);
for (const s of summary) {
  console.log(`${pad(s.name, 28)}${pad(Math.round(s.rps), 9)}${pad((s.rps / a.rps).toFixed(2), 7)}${pad((s.rps / aPrime.rps).toFixed(2), 7)}${pad(s.p50, 8)}${pad(s.p99, 8)}${pad((s.p99 / aPrime.p99).toFixed(2), 10)}${pad(`${Math.round(s.rssMb)} MB`, 10)}${Math.round(s.coldMs)} ms`);
}
const sdk = summary[2];
for (const s of summary.slice(3)) console.log(`${s.name}: ${(s.rps / sdk.rps).toFixed(2)}× (b)`);
issuerServer.close();
rmSync(dir, { recursive: true, force: true });
