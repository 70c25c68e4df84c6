/**
 * `RuntimeOptions.onLoaded`: called with the version served at start and after each
 * successful reload (after its line), never for a refused one; a hook that throws is
 * a warning. And `mcp-serve dev` passes the types refresh through it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LoadedManifest } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { startRuntime } from '../src/runtime/index.js';
import { post, toolCall } from './support/clients.js';
import { scratchDirectories } from './support/scratch.js';
import { ROOT } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
const scratch = scratchDirectories('mcp-oauth-loaded-hook-');

const manifest = (description: string) =>
  JSON.stringify({
    server: { name: 'loaded-hook', version: '1.0.0' },
    http: { host: '127.0.0.1', port: 0 },
    auth: { provider: 'none' },
    tools: [{ name: 'greet', description, inputSchema: { type: 'object' }, handler: './greet.js#greet' }],
  });

function project(): string {
  const dir = scratch();
  writeFileSync(join(dir, 'greet.js'), "export const greet = () => 'hi';\n");
  writeFileSync(join(dir, 'mcp-oauth.config.json'), manifest('first'));
  return dir;
}

test('called at start and after each successful reload, after its line; not for a refused reload', async () => {
  const dir = project();
  const logs: string[] = [];
  const seen: { description: string | undefined; logged: number }[] = [];
  const onLoaded = (loaded: LoadedManifest) => {
    seen.push({ description: loaded.manifest.tools[0]?.description, logged: logs.length });
  };
  const runtime = await startRuntime({ cwd: dir, log: createLogger({ write: (l) => logs.push(l) }), onLoaded });
  try {
    assert.deepEqual(seen, [{ description: 'first', logged: 0 }]);
    writeFileSync(join(dir, 'mcp-oauth.config.json'), manifest('second'));
    assert.equal((await runtime.reload()).ok, true);
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.description, 'second');
    assert.match(logs[seen[1]!.logged - 1] ?? '', /^reloaded in \d+ ms: tools ~greet$/);
    writeFileSync(join(dir, 'mcp-oauth.config.json'), '{ not json');
    assert.equal((await runtime.reload()).ok, false);
    assert.equal(seen.length, 2);
  } finally {
    await runtime.close();
  }
});

test('a hook that throws is a warning: the runtime starts, reloads and serves', async () => {
  const dir = project();
  const logs: string[] = [];
  const runtime = await startRuntime({
    cwd: dir,
    log: createLogger({ write: (l) => logs.push(l) }),
    onLoaded: async () => {
      throw new Error('no disk');
    },
  });
  try {
    assert.deepEqual(logs, ['warning: onLoaded failed (no disk)']);
    assert.equal((await runtime.reload()).ok, true);
    for (let i = 0; i < 20 && logs.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal(logs[2], 'warning: onLoaded failed (no disk)');
    assert.equal((await post(runtime.url, toolCall('greet'))).status, 200);
  } finally {
    await runtime.close();
  }
});

test('mcp-serve dev regenerates a generated types file at start and after each reload line', async () => {
  const dir = project();
  writeFileSync(join(dir, 'mcp-oauth.types.ts'), '// stale\n');
  const child = spawn(process.execPath, [BIN, 'dev'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const until = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(done(), `${what}; stdout:\n${stdout}\nstderr:\n${stderr}`);
  };
  try {
    await until(() => stdout.includes('Ctrl-C to stop.'), 'the banner');
    assert.equal(stderr, 'types: mcp-oauth.types.ts regenerated\n');
    assert.match(readFileSync(join(dir, 'mcp-oauth.types.ts'), 'utf8'), /export const GreetInput = /);
    writeFileSync(
      join(dir, 'mcp-oauth.config.json'),
      manifest('second').replace('"type":"object"', '"type":"object","properties":{"who":{"type":"string"}}'),
    );
    await until(() => stderr.split('\n').length > 3, 'a reload line and a types line');
    assert.match(
      stderr.split('\n').slice(1).join('\n'),
      /^reloaded in \d+ ms \(mcp-oauth\.config\.json changed\): tools ~greet\ntypes: mcp-oauth\.types\.ts regenerated\n$/,
    );
    assert.match(readFileSync(join(dir, 'mcp-oauth.types.ts'), 'utf8'), /"who": z\.string\(\)/);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
