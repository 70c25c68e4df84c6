/**
 * What a container runs: the packed tarball installed with production dependencies
 * only, an example manifest and its handlers beside it (as the Dockerfile copies
 * them), started and called with a token. Catches a file missing from
 * package.json#files or a runtime dependency listed as dev.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startAuthority, type Authority } from './support/authority.js';
import { post, toolCall } from './support/clients.js';
import { ROOT } from './support/server.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;
let authority: Authority;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mcp-oauth-pack-'));
  authority = await startAuthority();
});
after(async () => {
  await authority.close();
  rmSync(work, { recursive: true, force: true });
});

test('the packed tarball, installed without dev dependencies, serves examples/todo', { timeout: 180_000 }, async () => {
  execFileSync(NPM, ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote no tarball');
  const app = join(work, 'app');
  cpSync(join(ROOT, 'examples', 'todo', 'mcp-oauth.config.yaml'), join(app, 'srv', 'mcp-oauth.config.yaml'));
  cpSync(join(ROOT, 'examples', 'todo', 'handlers'), join(app, 'srv', 'handlers'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', private: true, type: 'module' }));
  execFileSync(NPM, ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball)], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });

  const port = await freePort();
  const child = spawn(join(app, 'node_modules', '.bin', 'mcp-serve'), ['--config', 'srv/mcp-oauth.config.yaml'], {
    cwd: app,
    env: { ...process.env, ISSUER: authority.issuer, PORT: String(port), MCP_PUBLIC_URL: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    while (!output.includes('Ctrl-C to stop.')) {
      if (child.exitCode !== null) assert.fail(`mcp-serve exited:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = `http://127.0.0.1:${port}/mcp`;
    const token = await authority.mint({ aud: url, scope: 'todo:write' });
    const response = await post(url, toolCall('create_todo', { title: 'from the tarball' }), { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /"title":"from the tarball"/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
