/** `mcp-serve` as a user runs it: the start-up banner, a call, and a drain on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { post, toolCall } from './support/clients.js';
import { FIXTURES, ROOT } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  writeFileSync(join(dir, 'mcp-oauth.config.yaml'), [
    'server: { name: cli-fixture, version: 2.0.0 }',
    'auth: { provider: none }',
    'tools:',
    '  - name: nap',
    '    inputSchema: { type: object, properties: { ms: { type: integer } } }',
    '    scopes: [nap:run]',
    '    handler: ./handlers/record.js#nap',
  ].join('\n'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('prints what is served where, serves, and drains in-flight calls on SIGTERM before exiting 0', async () => {
  const child = spawn(process.execPath, [BIN, '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = once(child, 'exit');
  while (!stdout.includes('Ctrl-C to stop.')) {
    if (child.exitCode !== null) assert.fail(`mcp-serve exited early:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = /MCP endpoint\s+(\S+)/.exec(stdout)?.[1];
  assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.match(stdout, /Resource metadata\s+http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp/);
  assert.match(stdout, /Authorization\s+none/);
  assert.match(stdout, /WARNING: auth.provider is "none"/);
  assert.match(stdout, /nap\s+nap:run/);

  const inFlight = post(url!, toolCall('nap', { ms: 400 }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill('SIGTERM');
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.match(await response.text(), /rested/);
  const [code] = await exited;
  assert.equal(code, 0);
  await assert.rejects(fetch(url!), 'still listening after exit');
});
