/**
 * `mcp-serve doctor`: a healthy deployment passes every check; a broken one gets each fault named with its fix;
 * the origin (or a wrong path) gets the URL the metadata names; --json prints the checks as data.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { runDoctor } from '../src/commands/doctor.js';
import { type Authority, startAuthority } from './support/authority.js';
import { protectedManifest, ROOT, serveManifest, type TestServer } from './support/server.js';

let authority: Authority;
let healthy: TestServer;
let broken: Server;
let brokenUrl: string;
before(async () => {
  authority = await startAuthority();
  healthy = await serveManifest({ ...protectedManifest(authority.issuer), auth: { provider: 'dev' } });
  // Mistakes seen in hand-written middleware: no challenge, a trailing slash, an issuer with no metadata.
  broken = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-protected-resource/mcp') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end(
        JSON.stringify({ resource: `${brokenUrl}/`, authorization_servers: [`${authority.issuer}/tenant`] }),
      );
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}');
  });
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/mcp`;
});
const extra: TestServer[] = [];
async function serveManifestFor(issuer: string): Promise<TestServer> {
  const server = await serveManifest(protectedManifest(issuer));
  extra.push(server);
  return server;
}

after(async () => {
  for (const s of extra) await s.close();
  await healthy.close();
  await new Promise((resolve) => broken.close(resolve));
  await authority.close();
});

test('a server made by mcp-serve (with its dev authorization server) passes every check', async () => {
  const checks = await runDoctor(healthy.url);
  assert.deepEqual(
    checks.filter((c) => c.status !== 'pass'),
    [],
  );
  assert.deepEqual(
    checks.map((c) => c.name),
    ['401 challenge', 'resource', `authorization server ${new URL(healthy.url).origin}`, 'JWKS', 'CORS'],
  );
});

test('an authorization server without PKCE S256 or registration is named', async () => {
  const checks = await runDoctor((await serveManifestFor(authority.issuer)).url);
  assert.match(checks.find((c) => c.name === 'PKCE')?.detail ?? '', /MCP clients require S256/);
  assert.equal(checks.find((c) => c.name === 'client registration')?.status, 'warn');
});

test('a broken deployment: each fault with its fix, and exit 1', async () => {
  const checks = await runDoctor(brokenUrl);
  const failed = Object.fromEntries(checks.filter((c) => c.status === 'fail').map((c) => [c.name, c.detail]));
  assert.match(
    failed['401 challenge'] ?? '',
    /a request without a token got 200; it must get 401 with WWW-Authenticate: Bearer resource_metadata=/,
  );
  assert.match(
    failed['resource'] ?? '',
    /"resource" is ".*\/mcp\/"; it must equal the MCP URL exactly, ".*\/mcp" \(RFC 9728 section 3\.3; no trailing slash\)/,
  );
  assert.match(
    failed[`authorization server ${authority.issuer}/tenant`] ?? '',
    /no RFC 8414 or OpenID metadata whose issuer is exactly/,
  );
  // Asynchronously: the broken server lives in this process and must keep answering.
  const cli = await promisify(execFile)(process.execPath, [
    join(ROOT, 'dist', 'src', 'bin.js'),
    'doctor',
    brokenUrl,
  ]).catch((error: { code: number; stdout: string }) => ({ status: error.code, stdout: error.stdout }));
  assert.equal((cli as { status?: number }).status, 1);
  assert.match(cli.stdout, /✖ resource/);
  assert.match(cli.stdout, /check\(s\) failed/);
});

test('given the origin, or a wrong path, it names the MCP URL the metadata gives', async () => {
  const origin = new URL(healthy.url).origin;
  const fromOrigin = await runDoctor(origin);
  assert.deepEqual(fromOrigin.at(-1), {
    name: 'resource',
    status: 'fail',
    detail: `the metadata names resource ${healthy.url}: run mcp-serve doctor ${healthy.url}`,
  });
  const fromWrongPath = await runDoctor(`${origin}/api`);
  assert.equal(
    fromWrongPath.find((c) => c.name === 'protected resource metadata')?.detail,
    `${origin}/.well-known/oauth-protected-resource/api: HTTP 404; the metadata names resource ${healthy.url}: run mcp-serve doctor ${healthy.url}`,
  );
});

test('doctor --json: { url, ok, checks } on stdout, exit 1 when a check fails', async () => {
  const run = (url: string) =>
    promisify(execFile)(process.execPath, [join(ROOT, 'dist', 'src', 'bin.js'), 'doctor', url, '--json'])
      .then(({ stdout }) => ({ status: 0, stdout }))
      .catch((error: { code: number; stdout: string }) => ({ status: error.code, stdout: error.stdout }));
  const good = await run(healthy.url);
  assert.equal(good.status, 0);
  const report = JSON.parse(good.stdout) as {
    url: string;
    ok: boolean;
    checks: { name: string; status: string; detail: string }[];
  };
  assert.equal(report.url, healthy.url);
  assert.equal(report.ok, true);
  assert.deepEqual(report.checks.map((c) => [c.name, c.status]).slice(0, 2), [
    ['401 challenge', 'pass'],
    ['resource', 'pass'],
  ]);
  const bad = await run(brokenUrl);
  assert.equal(bad.status, 1);
  const failed = JSON.parse(bad.stdout) as typeof report;
  assert.equal(failed.ok, false);
  assert.ok(
    failed.checks.some((c) => c.name === 'resource' && c.status === 'fail'),
    bad.stdout,
  );
});
