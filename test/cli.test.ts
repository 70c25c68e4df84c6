/** `mcp-serve` as a user runs it: the start-up banner, a call, and a drain on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
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

describe('mcp-serve types', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'types', ...args], { cwd: dir, encoding: 'utf8' });

  test('writes mcp-oauth.types.ts beside the manifest, then reports it up to date', () => {
    const typesFile = join(dir, 'mcp-oauth.types.ts');
    rmSync(typesFile, { force: true });
    const first = run();
    assert.equal(first.stderr, '');
    assert.equal(first.stdout, '✔ wrote mcp-oauth.types.ts: types for 1 tool\n');
    assert.equal(first.status, 0);
    const text = readFileSync(typesFile, 'utf8');
    assert.match(text, /^\/\/ Generated from mcp-oauth\.config\.yaml by `mcp-serve types`\. Do not edit:$/m);
    assert.match(text, /^export type NapHandler = ToolHandler<NapInput, unknown>;$/m);
    const second = run();
    assert.equal(second.stdout, '✔ mcp-oauth.types.ts is up to date (1 tool)\n');
    assert.equal(readFileSync(typesFile, 'utf8'), text);
  });

  test('--out names the file; the header names the manifest relative to it', () => {
    const result = run('--config', 'mcp-oauth.config.yaml', '--out', 'src/generated/tools.ts');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '✔ wrote src/generated/tools.ts: types for 1 tool\n');
    assert.match(readFileSync(join(dir, 'src', 'generated', 'tools.ts'), 'utf8'), /^\/\/ Generated from \.\.\/\.\.\/mcp-oauth\.config\.yaml by/);
  });

  test('--out must be TypeScript source', () => {
    const result = run('--out', 'tools.d.ts');
    assert.equal(result.status, 1);
    assert.equal(result.stderr, '--out tools.d.ts: the generated module is TypeScript source; name a .ts file (not .d.ts), e.g. --out mcp-oauth.types.ts\n');
  });

  test('a manifest with problems: exit 1, the problems, no file', () => {
    const bad = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-types-'));
    try {
      writeFileSync(join(bad, 'mcp-oauth.config.yaml'), 'server: { name: x, version: 1.0.0 }\nauth: { provider: none }\ntools: [{ name: t, inputSchema: { type: object }, scopes: [bad scope], handler: ./missing.js }]\n');
      const result = spawnSync(process.execPath, [BIN, 'types'], { cwd: bad, encoding: 'utf8' });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^1 problem in the manifest:\n {2}mcp-oauth\.config\.yaml:3:\d+ {2}tools\[0\]\.scopes\[0\]: "bad scope" is not a valid scope token/);
      assert.deepEqual(readdirSync(bad), ['mcp-oauth.config.yaml']);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  test('types come from the schemas alone: handlers need not exist yet', () => {
    const early = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-types-'));
    try {
      writeFileSync(join(early, 'mcp-oauth.config.yaml'), 'server: { name: x, version: 1.0.0 }\nauth: { provider: none }\ntools: [{ name: t, inputSchema: { type: object }, handler: ./missing.js }]\n');
      const result = spawnSync(process.execPath, [BIN, 'types'], { cwd: early, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(readdirSync(early).sort(), ['mcp-oauth.config.yaml', 'mcp-oauth.types.ts']);
    } finally {
      rmSync(early, { recursive: true, force: true });
    }
  });
});

test('mcp-serve dev: says it watches, then prints one line per reload', async () => {
  const own = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-dev-'));
  writeFileSync(join(own, 'greet.js'), "export const greet = () => 'one';\n");
  const manifest = (description: string) => JSON.stringify({ server: { name: 'dev-cli', version: '1.0.0' }, auth: { provider: 'none' }, tools: [{ name: 'greet', description, inputSchema: { type: 'object' }, handler: './greet.js#greet' }] });
  writeFileSync(join(own, 'mcp-oauth.config.json'), manifest('first'));
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0'], { cwd: own, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const until = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(done(), `${what}; stdout:\n${stdout}\nstderr:\n${stderr}`);
  };
  try {
    await until(() => stdout.includes('Ctrl-C to stop.'), 'the banner');
    assert.match(stdout, /Hot reload {9}on: the manifest, \.env and the handler modules are watched/);
    writeFileSync(join(own, 'greet.js'), "export const greet = () => 'two';\n");
    await until(() => /reloaded in \d+ ms: tools unchanged\n/.test(stderr), 'a reload line for the handler edit');
    writeFileSync(join(own, 'mcp-oauth.config.json'), manifest('second'));
    await until(() => /reloaded in \d+ ms: tools ~greet\n/.test(stderr), 'a reload line naming the changed tool');
    const url = /MCP endpoint\s+(\S+)/.exec(stdout)![1]!;
    const body = await (await post(url, toolCall('greet'))).text();
    assert.match(body, /"text":"two"/);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(own, { recursive: true, force: true });
  }
});

describe('mcp-serve init', () => {
  test('scaffolds a directory and prints the files and the next commands; a second run changes nothing and exits 1', () => {
    const parent = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-init-'));
    try {
      const first = spawnSync(process.execPath, [BIN, 'init', 'weather'], { cwd: parent, encoding: 'utf8' });
      assert.equal(first.stderr, '');
      assert.equal(first.status, 0);
      // Run from this checkout, the new server depends on it by path.
      const spec = (JSON.parse(readFileSync(join(parent, 'weather', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['mcp-serve'];
      assert.equal(first.stdout, [
        'Created a new MCP server "weather" in weather:',
        '  mcp-oauth.config.yaml', '  handlers/hello.js', '  .env.example', '  .gitignore', '  .dockerignore', '  Dockerfile', '  README.md', '  package.json',
        '',
        `package.json: "mcp-serve": "${spec}" (the checkout ${ROOT})`,
        '',
        'Note: docker build cannot reach a file: dependency (it lies outside the build context); for an image, depend on mcp-serve from the registry',
        '',
        'Next:', '  cd weather', '  npm install', '  npx mcp-serve',
        '',
      ].join('\n'));
      const manifest = readFileSync(join(parent, 'weather', 'mcp-oauth.config.yaml'), 'utf8');
      const second = spawnSync(process.execPath, [BIN, 'init'], { cwd: join(parent, 'weather'), encoding: 'utf8' });
      assert.equal(second.status, 1);
      assert.match(second.stderr, /^mcp-serve init would overwrite files in .*weather:\n {2}mcp-oauth\.config\.yaml\n/);
      assert.equal(readFileSync(join(parent, 'weather', 'mcp-oauth.config.yaml'), 'utf8'), manifest);
      // The scaffold passes `mcp-serve validate` as it stands.
      const validate = spawnSync(process.execPath, [BIN, 'validate'], { cwd: join(parent, 'weather'), encoding: 'utf8', env: { ...process.env, PORT: '' } });
      assert.equal(validate.status, 0, validate.stderr);
      assert.match(validate.stdout, /hello\s+hello:read/);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

test('--help lists types and init', () => {
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /^ {2}mcp-serve types \[--config PATH\] \[--out FILE\]/m);
  assert.match(help.stdout, /^ {2}mcp-serve init \[DIR\]/m);
});
