/**
 * One resource URL: what `resourceUrl` derives, and that the real CLI's validate, serve
 * (its banner) and doctor (against the running server) agree on it for a wildcard, an
 * IPv4 loopback and an IPv6 loopback bind; validate accepts that URL as an explicit
 * `resource.resource`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resourceUrl } from '../src/manifest.js';
import { scratchDirectories } from './support/scratch.js';
import { ROOT } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
const scratch = scratchDirectories('mcp-oauth-resource-url-');

describe('resourceUrl', () => {
  const cases: { http: Parameters<typeof resourceUrl>[0]; port?: number; expected: string }[] = [
    { http: { host: '127.0.0.1', port: 3000, path: '/mcp' }, expected: 'http://127.0.0.1:3000/mcp' },
    { http: { host: '0.0.0.0', port: 3000, path: '/mcp' }, expected: 'http://localhost:3000/mcp' },
    { http: { host: '::', port: 3000, path: '/mcp' }, expected: 'http://localhost:3000/mcp' },
    { http: { host: '::1', port: 3000, path: '/mcp' }, expected: 'http://[::1]:3000/mcp' },
    { http: { host: 'fd00::5', port: 8080, path: '/a/b' }, expected: 'http://[fd00::5]:8080/a/b' },
    { http: { host: '127.0.0.1', port: 3000, path: '/' }, expected: 'http://127.0.0.1:3000' },
    { http: { host: '127.0.0.1', port: 0, path: '/mcp' }, port: 41234, expected: 'http://127.0.0.1:41234/mcp' },
    {
      http: { host: '0.0.0.0', port: 3000, path: '/mcp', publicUrl: 'https://mcp.example.com' },
      port: 41234,
      expected: 'https://mcp.example.com/mcp',
    },
    {
      http: { host: '127.0.0.1', port: 3000, path: '/', publicUrl: 'https://mcp.example.com' },
      expected: 'https://mcp.example.com',
    },
  ];
  for (const { http, port, expected } of cases) {
    test(`${JSON.stringify(http)}${port === undefined ? '' : ` on port ${port}`} → ${expected}`, () => {
      assert.equal(resourceUrl(http, port), expected);
    });
  }
});

/** A port free on `host` right now, or undefined when `host` cannot be bound here. */
async function freePort(host: string): Promise<number | undefined> {
  const server = createServer();
  try {
    server.listen(0, host);
    await once(server, 'listening');
  } catch {
    return undefined;
  }
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const canBindIpv6 = (await freePort('::1')) !== undefined;
const binds = [
  { host: '0.0.0.0', expected: (port: number) => `http://localhost:${port}/mcp` },
  { host: '127.0.0.1', expected: (port: number) => `http://127.0.0.1:${port}/mcp` },
  { host: '::1', expected: (port: number) => `http://[::1]:${port}/mcp` },
];

/** A manifest with the dev authorization server on `host`:`port` (a wildcard bind opts in to leaving loopback). */
function writeManifest(dir: string, host: string, port: number, resource?: string): void {
  const manifest = {
    server: { name: 'resource-url', version: '1.0.0' },
    http: { host, port },
    auth: { provider: 'dev', ...(host === '0.0.0.0' && { allowNonLoopback: true }) },
    ...(resource !== undefined && { resource: { resource } }),
    tools: [{ name: 'hello', inputSchema: { type: 'object' }, scopes: ['hello:run'], handler: './h.js#hello' }],
  };
  writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'h.js'), "export const hello = () => 'hello';\n");
}

const run = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

for (const { host, expected } of binds) {
  // Without IPv6 here, only that case is skipped, and never under CI.
  const skip = host === '::1' && !canBindIpv6 && !process.env['CI'] ? 'this machine cannot bind ::1' : false;
  test(`bound to ${host}: validate, the serve banner and doctor name the same resource URL`, { skip }, async () => {
    const dir = scratch();
    const port = await freePort(host);
    assert.ok(port !== undefined, `cannot bind ${host}`);
    writeManifest(dir, host, port);
    const url = expected(port);

    const validated = run(dir, 'validate', '--json');
    assert.equal(validated.status, 0, validated.stderr);
    assert.equal((JSON.parse(validated.stdout) as { resource: string }).resource, url);

    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      for (let i = 0; i < 400 && !stdout.includes('Ctrl-C to stop.'); i++) {
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(stdout.includes('Ctrl-C to stop.'), `no banner; stdout:\n${stdout}\nstderr:\n${stderr}`);
      assert.equal(/MCP endpoint\s+(\S+)/.exec(stdout)?.[1], url);

      // Its default target: the URL this manifest serves, probed on the running server.
      const doctor = run(dir, 'doctor', '--json');
      const report = doctor.stdout;
      const { url: probed, checks } = JSON.parse(report) as {
        url: string;
        checks: { name: string; status: string; detail: string }[];
      };
      assert.equal(probed, url);
      // The metadata the server serves names that URL too.
      assert.equal(checks.find((c) => c.name === 'resource')?.status, 'pass', JSON.stringify(checks));
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
}

test('validate accepts the URL serve uses as an explicit resource.resource for a 0.0.0.0 bind, and names it', async () => {
  const dir = scratch();
  const port = (await freePort('127.0.0.1'))!;
  writeManifest(dir, '0.0.0.0', port, `http://localhost:${port}/mcp`);
  const accepted = run(dir, 'validate');
  assert.equal(accepted.status, 0, accepted.stderr);
  assert.match(accepted.stdout, new RegExp(`resource {7}http://localhost:${port}/mcp\\n`));

  writeManifest(dir, '0.0.0.0', port, `http://0.0.0.0:${port}/mcp`);
  const refused = run(dir, 'validate');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`must equal publicUrl \\+ path exactly, "http://localhost:${port}/mcp"`));
});
