/**
 * What a newcomer does, end to end: clone the repository (no dist/ in it), `npm pack`
 * (prepack builds dist/), install the tarball into an empty project, `npx mcp-serve init
 * app`, `npm install` in the app (its mcp-serve dependency must resolve to that tarball),
 * `npm start`, `npx mcp-serve token`, and call the tool with the SDK client.
 *
 * The clone borrows this checkout's node_modules for the build (tsc and the other dev
 * dependencies): only dist/ has to come from the clone's own prepack, and npm ci there
 * would add a minute. Installs prefer npm's cache; the registry serves what it lacks.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectModern } from './support/clients.js';
import { scratchDirectories } from './support/scratch.js';
import { ROOT } from './support/server.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const scratch = scratchDirectories('mcp-oauth-newcomer-');
const started = Date.now();

function progress(step: string): void {
  process.stderr.write(`newcomer ${((Date.now() - started) / 1000).toFixed(1)}s: ${step}\n`);
}

/** Runs a command as a user would type it; its output, or a failure that shows it. */
function run(cwd: string, command: string, args: string[]): string {
  progress(`${command} ${args.join(' ')}`);
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`${command} ${args.join(' ')} in ${cwd} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

test('clone, pack, install, init, install the app, start it, get a token, call its tool', {
  timeout: 180_000,
}, async () => {
  const work = scratch();
  const clone = join(work, 'mcp-oauth');
  run(work, 'git', ['clone', '--quiet', ROOT, clone]);
  assert.equal(existsSync(join(clone, 'dist')), false, 'a fresh clone has no dist/');
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');

  run(clone, NPM, ['pack', '--silent', '--pack-destination', work]);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote no tarball');
  const packed = run(work, 'tar', ['-tzf', tarball]).split('\n').filter(Boolean);
  assert.ok(packed.includes('package/dist/src/bin.js'), 'the tarball has the bin');
  assert.deepEqual(
    packed.filter((f) => f.endsWith('.map') || f.startsWith('package/dist/test/') || f.startsWith('package/src/')),
    [],
  );

  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'newcomer', private: true }));
  run(project, NPM, ['install', ...QUIET, join(work, tarball)]);

  const init = run(project, NPX, ['--no', 'mcp-serve', 'init', 'app']);
  const app = join(project, 'app');
  const spec = `file:../../${tarball}`;
  assert.ok(init.includes(`package.json: "mcp-serve": "${spec}" (the tarball ${join(work, tarball)})`), init);
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(pkg.dependencies['mcp-serve'], spec);
  run(app, NPM, ['install', ...QUIET]);

  progress('npm start');
  const server = spawn(NPM, ['start'], {
    cwd: app,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(server, 'exit');
  try {
    while (!output.includes('Ctrl-C to stop.')) {
      if (server.exitCode !== null) assert.fail(`npm start exited:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /MCP endpoint +(http:\/\/127\.0\.0\.1:(\d+)\/mcp)/.exec(output);
    assert.ok(url, output);
    const token = run(app, NPX, ['--no', 'mcp-serve', 'token', '--scope', 'hello:read', '--port', url[2]!]).trim();
    progress(`calling hello at ${url[1]}`);
    const client = await connectModern(url[1]!, token);
    const answer = await client.callTool('hello', { name: 'Ada' });
    assert.deepEqual(answer.content, [{ type: 'text', text: 'Hello, Ada! (called by dev-user)' }]);
    await client.close();
  } finally {
    // npm start runs mcp-serve in a child of its own: the signal goes to the whole group.
    if (server.exitCode === null && server.signalCode === null) process.kill(-server.pid!, 'SIGTERM');
    await exited;
  }
  assert.match(output, /SIGTERM: finishing requests in flight/);
  progress('done');
});
