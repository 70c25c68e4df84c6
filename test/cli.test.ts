/**
 * `mcp-serve` as a user runs it: the start-up banner, a call, and a drain on SIGTERM;
 * help per command, flags refused by the command they do not belong to, JSON output.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { post, toolCall } from './support/clients.js';
import { scratchDirectories } from './support/scratch.js';
import { FIXTURES, ROOT } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
const scratch = scratchDirectories('mcp-oauth-cli-');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  writeFileSync(
    join(dir, 'mcp-oauth.config.yaml'),
    [
      'server: { name: cli-fixture, version: 2.0.0 }',
      'auth: { provider: none }',
      'tools:',
      '  - name: nap',
      '    inputSchema: { type: object, properties: { ms: { type: integer } } }',
      '    scopes: [nap:run]',
      '    handler: ./handlers/record.js#nap',
    ].join('\n'),
  );
  // The project a user generates types in has zod installed.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', devDependencies: { zod: '^4.0.0' } }));
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
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'types', ...args], { cwd: dir, encoding: 'utf8' });

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
    assert.match(
      readFileSync(join(dir, 'src', 'generated', 'tools.ts'), 'utf8'),
      /^\/\/ Generated from \.\.\/\.\.\/mcp-oauth\.config\.yaml by/,
    );
  });

  test('--out must be TypeScript source', () => {
    const result = run('--out', 'tools.d.ts');
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      '--out tools.d.ts: the generated module is TypeScript source; name a .ts file (not .d.ts), e.g. --out mcp-oauth.types.ts\n',
    );
  });

  test('a manifest with problems: exit 1, the problems, no file', () => {
    const bad = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-types-'));
    try {
      writeFileSync(
        join(bad, 'mcp-oauth.config.yaml'),
        'server: { name: x, version: 1.0.0 }\nauth: { provider: none }\ntools: [{ name: t, inputSchema: { type: object }, scopes: [bad scope], handler: ./missing.js }]\n',
      );
      const result = spawnSync(process.execPath, [BIN, 'types'], { cwd: bad, encoding: 'utf8' });
      assert.equal(result.status, 1);
      assert.match(
        result.stderr,
        /^1 problem in the manifest:\n {2}mcp-oauth\.config\.yaml:3:\d+ {2}tools\[0\]\.scopes\[0\]: "bad scope" is not a valid scope token/,
      );
      assert.deepEqual(readdirSync(bad), ['mcp-oauth.config.yaml']);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  test("warns, without failing, when the manifest's project does not list zod", () => {
    const project = scratch();
    const manifest =
      'server: { name: x, version: 1.0.0 }\nauth: { provider: none }\ntools: [{ name: t, inputSchema: { type: object }, handler: ./t.js }]\n';
    mkdirSync(join(project, 'server'));
    writeFileSync(join(project, 'server', 'mcp-oauth.config.yaml'), manifest);
    const runIn = (cwd: string) => spawnSync(process.execPath, [BIN, 'types'], { cwd, encoding: 'utf8' });
    const none = runIn(join(project, 'server'));
    assert.equal(none.status, 0);
    assert.equal(
      none.stderr,
      `warning: mcp-oauth.types.ts imports zod, but there is no package.json in or above ${join(project, 'server')}; add one (npm init -y) and run npm install zod\n`,
    );
    assert.equal(none.stdout, '✔ wrote mcp-oauth.types.ts: types for 1 tool\n');
    // The nearest package.json above the manifest is the project's.
    writeFileSync(join(project, 'package.json'), JSON.stringify({ dependencies: { 'mcp-serve': '^0.1.0' } }));
    const unlisted = runIn(join(project, 'server'));
    assert.equal(
      unlisted.stderr,
      `warning: mcp-oauth.types.ts imports zod, but ${join(project, 'package.json')} does not list it in dependencies, devDependencies, peerDependencies; run npm install zod (version 4)\n`,
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ peerDependencies: { zod: '^4.0.0' } }));
    assert.equal(runIn(join(project, 'server')).stderr, '');
  });

  test('types come from the schemas alone: handlers need not exist yet', () => {
    const early = mkdtempSync(join(tmpdir(), 'mcp-oauth-cli-types-'));
    try {
      writeFileSync(
        join(early, 'mcp-oauth.config.yaml'),
        'server: { name: x, version: 1.0.0 }\nauth: { provider: none }\ntools: [{ name: t, inputSchema: { type: object }, handler: ./missing.js }]\n',
      );
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
  const manifest = (description: string) =>
    JSON.stringify({
      server: { name: 'dev-cli', version: '1.0.0' },
      auth: { provider: 'none' },
      tools: [{ name: 'greet', description, inputSchema: { type: 'object' }, handler: './greet.js#greet' }],
    });
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
    await until(
      () => /reloaded in \d+ ms \(greet\.js changed\): tools ~greet\n/.test(stderr),
      'a reload line for the handler edit',
    );
    writeFileSync(join(own, 'mcp-oauth.config.json'), manifest('second'));
    await until(
      () => /reloaded in \d+ ms \(mcp-oauth\.config\.json changed\): tools ~greet\n/.test(stderr),
      'a reload line naming the changed tool',
    );
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
      const spec = (
        JSON.parse(readFileSync(join(parent, 'weather', 'package.json'), 'utf8')) as {
          dependencies: Record<string, string>;
        }
      ).dependencies['mcp-serve'];
      assert.equal(
        first.stdout,
        [
          'Created a new MCP server "weather" in weather:',
          '  mcp-oauth.config.yaml',
          '  handlers/hello.js',
          '  .env.example',
          '  .gitignore',
          '  .dockerignore',
          '  Dockerfile',
          '  README.md',
          '  package.json',
          '',
          `package.json: "mcp-serve": "${spec}" (the checkout ${ROOT})`,
          '',
          'Note: docker build cannot reach a file: dependency (it lies outside the build context); for an image, depend on mcp-serve from the registry',
          '',
          'Next:',
          '  cd weather',
          '  npm install',
          '  npx mcp-serve',
          '',
        ].join('\n'),
      );
      const manifest = readFileSync(join(parent, 'weather', 'mcp-oauth.config.yaml'), 'utf8');
      const second = spawnSync(process.execPath, [BIN, 'init'], { cwd: join(parent, 'weather'), encoding: 'utf8' });
      assert.equal(second.status, 1);
      assert.match(second.stderr, /^mcp-serve init would overwrite files in .*weather:\n {2}mcp-oauth\.config\.yaml\n/);
      assert.equal(readFileSync(join(parent, 'weather', 'mcp-oauth.config.yaml'), 'utf8'), manifest);
      // The scaffold passes `mcp-serve validate` as it stands.
      const validate = spawnSync(process.execPath, [BIN, 'validate'], {
        cwd: join(parent, 'weather'),
        encoding: 'utf8',
        env: { ...process.env, PORT: '' },
      });
      assert.equal(validate.status, 0, validate.stderr);
      assert.match(validate.stdout, /hello\s+hello:read/);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('help', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });

  test('--help and help print the overview: every command with its synopsis', () => {
    const help = run('--help');
    assert.equal(help.status, 0);
    assert.equal(run('help').stdout, help.stdout);
    assert.match(help.stdout, /^ {2}mcp-serve types \[--config PATH\] \[--out FILE\]$/m);
    assert.match(help.stdout, /^ {2}mcp-serve init \[DIR\] \[--auth PROVIDER\]$/m);
    assert.match(help.stdout, /^ {2}mcp-serve doctor \[URL\] \[--json\]/m);
    assert.doesNotMatch(help.stdout, /^Options:/m, "the overview lists commands, not one command's options");
  });

  test("help COMMAND and COMMAND --help print that command's usage, options and an example", () => {
    const help = run('help', 'validate');
    assert.equal(help.status, 0, help.stderr);
    assert.equal(run('validate', '--help').stdout, help.stdout);
    assert.equal(run('validate', '-h').stdout, help.stdout);
    const lines = help.stdout.split('\n');
    assert.equal(lines[0], 'Usage: mcp-serve validate [--config PATH] [--host HOST] [--port PORT] [--json]');
    assert.ok(lines.includes('Options:') && lines.includes('Example:'), help.stdout);
    assert.ok(
      lines.some((line) => /^ {6}--json {9}print the result as JSON on stdout/.test(line)),
      help.stdout,
    );
    assert.doesNotMatch(help.stdout, /--scope|--out/, 'only its own flags');
    assert.match(run('token', '--help').stdout, /^ {6}--scope SCOPE {3}a scope to grant;/m);
  });

  test("each synopsis in the overview is the first line of that command's help", () => {
    const synopses = [...run('help').stdout.matchAll(/^ {2}(mcp-serve (\S+).*)$/gm)];
    assert.deepEqual(
      synopses.map((m) => m[2]),
      ['[serve]', 'dev', 'validate', 'token', 'types', 'doctor', 'init', 'list', 'call', 'connect', 'help'],
    );
    for (const [, line, name] of synopses) {
      const help = run('help', name === '[serve]' ? 'serve' : name!);
      assert.equal(help.stdout.split('\n')[0], `Usage: ${line}`);
    }
  });

  test('help for an unknown command names the commands; exit 2', () => {
    const help = run('help', 'nope');
    assert.equal(help.status, 2);
    assert.equal(
      help.stderr,
      'unknown command "nope"; the commands are serve, dev, validate, token, types, doctor, init, list, call, connect, help\n',
    );
  });
});

describe('flags are checked against the command they are given to', () => {
  const cases: { args: string[]; stderr: string }[] = [
    { args: ['validate', '--bogus'], stderr: 'unknown option --bogus for "validate"; see mcp-serve help validate' },
    {
      args: ['token', '--scopes', 'a'],
      stderr: 'unknown option --scopes for "token" (did you mean --scope?); see mcp-serve help token',
    },
    {
      args: ['validate', '--scope', 'a'],
      stderr: 'unknown option --scope for "validate" (it is an option of "token"); see mcp-serve help validate',
    },
    { args: ['types', '-x'], stderr: 'unknown option -x for "types"; see mcp-serve help types' },
    { args: ['--bogus'], stderr: 'unknown option --bogus for "serve"; see mcp-serve help serve' },
    { args: ['validate', '--config'], stderr: '--config needs a value: --config PATH; see mcp-serve help validate' },
    { args: ['--watch=yes'], stderr: '--watch takes no value; see mcp-serve help serve' },
    { args: ['validate', 'extra'], stderr: 'unexpected argument "extra" for "validate"; see mcp-serve help validate' },
    { args: ['valdate'], stderr: 'unknown command "valdate" (did you mean "validate"?); see mcp-serve help' },
  ];
  for (const { args, stderr } of cases) {
    test(`mcp-serve ${args.join(' ')}`, () => {
      const result = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
      assert.equal(result.stderr, `${stderr}\n`);
      assert.equal(result.stdout, '');
      assert.equal(result.status, 2);
    });
  }
});

describe('validate --json', () => {
  test('a valid manifest: the resolved summary', () => {
    const result = spawnSync(process.execPath, [BIN, 'validate', '--json', '--port', '4000'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      ok: true,
      file: join(dir, 'mcp-oauth.config.yaml'),
      server: { name: 'cli-fixture', version: '2.0.0' },
      resource: 'http://127.0.0.1:4000/mcp',
      auth: { provider: 'none' },
      scopes: ['nap:run'],
      tools: [{ name: 'nap', scopes: { allOf: ['nap:run'] } }],
      warnings: [],
    });
  });

  test('an invalid manifest: every problem with file, line, column, path and message; exit 1', () => {
    const result = spawnSync(
      process.execPath,
      [BIN, 'validate', '--json', '--config', join(FIXTURES, 'manifests', 'three-mistakes.yaml')],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(result.status, 1);
    const report = JSON.parse(result.stdout) as { ok: boolean; code: string; problems: Record<string, unknown>[] };
    assert.equal(report.ok, false);
    assert.equal(report.code, 'MANIFEST_INVALID');
    assert.equal(report.problems.length, 3);
    assert.deepEqual(report.problems[1], {
      file: join(FIXTURES, 'manifests', 'three-mistakes.yaml'),
      line: 5,
      column: 13,
      path: 'auth.provider',
      message: '"jwk" is not one of jwt, scalekit, dev, none; did you mean "jwt"?',
    });
  });
});

test('token without --scope grants every scope the manifest declares, says so on stderr, and prints the token alone', () => {
  const own = scratch();
  writeFileSync(
    join(own, 'mcp-oauth.config.yaml'),
    [
      'server: { name: token-cli, version: 1.0.0 }',
      'auth: { provider: dev }',
      'tools:',
      '  - { name: read, inputSchema: { type: object }, scopes: [notes:read], handler: ./h.js#read }',
      '  - { name: write, inputSchema: { type: object }, scopes: [notes:write], handler: ./h.js#write }',
    ].join('\n'),
  );
  writeFileSync(join(own, 'h.js'), 'export const read = () => "r";\nexport const write = () => "w";\n');
  const result = spawnSync(process.execPath, [BIN, 'token'], { cwd: own, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stderr,
    'no --scope: the token grants every scope the manifest declares: notes:read notes:write\n',
  );
  assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  assert.equal(decodeJwt(result.stdout.trim())['scope'], 'notes:read notes:write');
});

test('in a directory without a manifest, mcp-serve suggests init', () => {
  const empty = scratch();
  const result = spawnSync(process.execPath, [BIN, '--port', '0'], { cwd: empty, encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^No manifest found in .*, or pass --config PATH\.\n/);
  assert.match(result.stderr, /\nTo start a new server here, run: npx mcp-serve init\n$/);
  const named = spawnSync(process.execPath, [BIN, '--config', 'elsewhere.yaml'], { cwd: empty, encoding: 'utf8' });
  assert.doesNotMatch(named.stderr, /mcp-serve init/, 'with --config, the path is what to fix');
});
