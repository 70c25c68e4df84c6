/**
 * `mcp-serve init`: the scaffold is a server that loads and answers, and init never
 * overwrites: a file in the way means nothing is written at all.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { loadManifest } from '../src/config/index.js';
import { McpOAuthError } from '../src/errors.js';
import { INIT_FILES, initServer, serverName } from '../src/commands/init.js';
import { createLogger } from '../src/log.js';
import { startRuntime } from '../src/runtime.js';
import { mintDevToken, openDevState } from '../src/auth/dev/index.js';
import { connectModern } from './support/clients.js';
import { scratchDirectories } from './support/scratch.js';

const scratch = scratchDirectories('mcp-oauth-init-');

/** Every file under `dir` with its bytes and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = `${statSync(path).mtimeMs} ${readFileSync(path, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}

const ALL_FILES = [...INIT_FILES, 'package.json'];

describe('a new server', () => {
  const parent = scratch();
  const dir = join(parent, 'My Weather Server!');
  const result = initServer({ cwd: parent, dir: 'My Weather Server!' });
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');

  test('is written into the directory, created when missing, named after it', () => {
    assert.equal(result.dir, dir);
    assert.equal(result.name, 'my-weather-server');
    assert.deepEqual(result.created, ALL_FILES);
    assert.deepEqual(Object.keys(snapshot(dir)).sort(), [...ALL_FILES].sort());
    assert.deepEqual(result.notes, []);
  });

  test('loads as a manifest (schema, semantics, the handler imports) and its tool answers over MCP', async () => {
    const loaded = await loadManifest({ configPath: join(dir, 'mcp-oauth.config.yaml'), env: {} });
    assert.equal(loaded.manifest.server.name, 'my-weather-server');
    assert.deepEqual(loaded.manifest.tools.map((t) => [t.name, t.scopes.scopes, t.handler.spec]), [['hello', ['hello:read'], './handlers/hello.js#hello']]);
    const hello = loaded.handlers.get('tools[0].handler')!;
    const sinks = { log: async () => {}, progress: async () => {}, resourceUpdated: async () => {}, closeStream: async () => {} };
    const ctx = { auth: { issuer: 'https://as.example.com', subject: 'alice', clientId: 'cli', principal: '["https://as.example.com","alice","cli"]', scopes: ['hello:read'], claims: {}, expiresAt: 0 }, signal: new AbortController().signal, toolName: 'hello', clientCapabilities: undefined, sinks, answers: {} };
    assert.equal(await hello([{ name: 'Ada' }], ctx), 'Hello, Ada! (called by alice)');

    const runtime = await startRuntime({ configPath: join(dir, 'mcp-oauth.config.yaml'), env: {}, http: { port: 0 }, log: createLogger({ write: () => {} }) });
    try {
      // It starts on the dev authorization server: no token, no call; a dev token works.
      await assert.rejects(connectModern(runtime.url), /401/);
      const token = await mintDevToken(await openDevState(dir), { resourceUrl: runtime.url, scopes: ['hello:read'], subject: 'ada', ttlSec: 60 });
      const client = await connectModern(runtime.url, token);
      assert.deepEqual((await client.callTool('hello', { name: 'Ada' })).content, [{ type: 'text', text: 'Hello, Ada! (called by ada)' }]);
      await client.close();
    } finally {
      await runtime.close();
    }
  });

  test('the manifest points editors at the installed schema and keeps auth in one place', () => {
    const manifest = read('mcp-oauth.config.yaml');
    assert.match(manifest, /^\$schema: \.\/node_modules\/mcp-serve\/schemas\/manifest\.schema\.json$/m);
    assert.match(manifest, /^server:\n {2}name: "my-weather-server"$/m);
    assert.equal(manifest.match(/^auth: .*$/gm)?.length, 1);
  });

  test('ignores, env example, package.json', () => {
    assert.deepEqual(read('.gitignore').split('\n').filter(Boolean), ['node_modules/', '.env', '.mcp-oauth/']);
    assert.match(read('.dockerignore'), /^\.env$/m);
    assert.match(read('.env.example'), /^PORT=3000$/m);
    const pkg = JSON.parse(read('package.json')) as Record<string, unknown>;
    assert.equal(pkg['name'], 'my-weather-server');
    assert.equal(pkg['type'], 'module');
    assert.deepEqual(Object.keys(pkg['dependencies'] as object), ['mcp-serve']);
  });

  test('the Dockerfile installs mcp-oauth from npm and runs mcp-serve as node on 0.0.0.0 with a health check', () => {
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, /^RUN .*npm (ci|install) --omit=dev/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\/healthz/m);
    assert.match(dockerfile, /^ENTRYPOINT \["mcp-serve"\]\nCMD \["--config", "\/srv\/mcp-oauth\.config\.yaml", "--host", "0\.0\.0\.0"\]$/m);
  });

  test('the README gives the next steps', () => {
    const readme = read('README.md');
    for (const step of ['npx mcp-serve ', 'npx mcp-serve token --scope hello:read', 'http://127.0.0.1:3000/mcp', 'npx mcp-serve types']) {
      assert.ok(readme.includes(step), step);
    }
  });

  test('a second init into the same directory fails, names every file, and changes nothing', () => {
    const before = snapshot(dir);
    assert.throws(() => initServer({ dir }), (error: unknown) => {
      assert.ok(error instanceof McpOAuthError);
      assert.equal(error.code, 'FILES_EXIST');
      assert.equal(
        error.message,
        `mcp-serve init would overwrite files in ${dir}:\n${INIT_FILES.map((f) => `  ${f}`).join('\n')}\n` +
          'Nothing was written. Move them away, or init another directory: mcp-serve init my-server',
      );
      return true;
    });
    assert.deepEqual(snapshot(dir), before);
  });
});

test('one file in the way: init fails naming it, and writes nothing else', () => {
  const dir = scratch();
  writeFileSync(join(dir, '.gitignore'), 'dist/\n');
  assert.throws(() => initServer({ dir }), { code: 'FILES_EXIST', message: new RegExp(`would overwrite a file in ${dir}:\n  \\.gitignore\nNothing was written`) });
  assert.deepEqual(snapshot(dir), { '.gitignore': `${statSync(join(dir, '.gitignore')).mtimeMs} dist/\n` });
});

test('an existing package.json is left as it is, with notes on what it needs', () => {
  const dir = scratch();
  const pkg = '{ "name": "existing", "dependencies": {} }\n';
  writeFileSync(join(dir, 'package.json'), pkg);
  const result = initServer({ dir });
  assert.deepEqual(result.created, [...INIT_FILES]);
  assert.equal(readFileSync(join(dir, 'package.json'), 'utf8'), pkg);
  assert.deepEqual(result.notes, [
    'package.json was already there and is left as it is',
    'add mcp-serve to it: npm install mcp-serve',
    'add "type": "module" to it: handlers/hello.js is an ES module',
  ]);
});

test('a target that is a file is refused', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'file'), '');
  assert.throws(() => initServer({ dir: join(dir, 'file') }), { code: 'WRITE_FAILED', message: `${join(dir, 'file')} is a file, not a directory; pass a directory to mcp-serve init` });
});

test('server names: the directory name made valid', async () => {
  const cases: [dir: string, name: string][] = [
    ['/srv/weather', 'weather'],
    ['/srv/My Weather Server!', 'my-weather-server'],
    ['/srv/_private.', 'private'],
    ['/srv/???', 'mcp-server'],
    ['/srv/2024', '2024'],
    [`/srv/${'a'.repeat(70)}`, 'a'.repeat(64)],
  ];
  assert.deepEqual(cases.map(([dir]) => serverName(dir)), cases.map(([, name]) => name));
  // A name YAML would read as a number is quoted, so it stays a string.
  const parent = scratch();
  mkdirSync(join(parent, '2024'));
  initServer({ cwd: parent, dir: '2024' });
  const loaded = await loadManifest({ configPath: join(parent, '2024', 'mcp-oauth.config.yaml'), env: {} });
  assert.equal(loaded.manifest.server.name, '2024');
});
