/**
 * Every problem in one report: schema problems and handler problems together; a
 * handler that fails to import is explained (a syntax error at file:line:col, ESM and
 * CommonJS mixed up, with the fix), the same in this thread, in a handler worker and
 * isolated; `mcp-serve validate` prints it all, under Node 20 and Node 24. And when the
 * signing keys cannot be fetched, the warning, /readyz and doctor name the URL and why.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { runDoctor } from '../src/commands/doctor.js';
import { loadManifest } from '../src/config/index.js';
import { describeError, McpOAuthError, type Problem } from '../src/errors.js';
import type { HandlerLoader } from '../src/handlers/runner.js';
import { workerHandlers } from '../src/handlers/worker-loader.js';
import { CAN_GET_NODE24, node24 } from './support/node24.js';
import { scratchDirectories } from './support/scratch.js';
import { protectedManifest, ROOT, serveManifest } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
const scratch = scratchDirectories('mcp-oauth-problems-');

/** What `npm init -y` writes: "type": "commonjs" since npm 11. */
const NPM_INIT = JSON.stringify(
  { name: 'app', version: '1.0.0', main: 'index.js', type: 'commonjs', license: 'ISC' },
  null,
  2,
);
const MODULE_PACKAGE = '{ "type": "module" }\n';

/** A fresh directory holding `files` (path → text), with a package.json saying "type": "module" unless `files` has one. */
function project(files: Record<string, string>): string {
  const dir = scratch();
  for (const [name, text] of Object.entries({ 'package.json': MODULE_PACKAGE, ...files })) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** One tool whose handler is `spec`; its `handler:` value is at line 6, column 14. */
const oneTool = (spec: string, isolation = '') =>
  [
    'server: {name: fixture, version: 1.0.0}',
    'auth: {provider: none}',
    ...(isolation ? [`isolation: ${isolation}`] : []),
    'tools:',
    '  - name: t',
    '    inputSchema: {type: object}',
    `    handler: ${spec}`,
    '',
  ].join('\n');

async function problemsOf(dir: string, handlers?: HandlerLoader): Promise<readonly Problem[]> {
  try {
    const loaded = await loadManifest({ cwd: dir, env: {}, ...(handlers && { handlers }) });
    await loaded.release();
  } catch (error) {
    assert.ok(error instanceof McpOAuthError, String(error));
    assert.equal(error.code, 'MANIFEST_INVALID');
    return error.problems;
  }
  assert.fail('the manifest loaded; expected it to be refused');
}

interface ImportCase {
  name: string;
  files: Record<string, string>;
  handler: string;
  /** The message after `"<handler>" failed to load: `. */
  why: string;
}

const IMPORT_CASES: ImportCase[] = [
  {
    name: 'a syntax error in the handler module is located at file:line:col',
    files: { 'handlers/broken.js': 'export const t = () => {\n  return 1 +;\n};\n' },
    handler: './handlers/broken.js#t',
    why: "syntax error at handlers/broken.js:2:13: Unexpected token ';'",
  },
  {
    name: 'a syntax error in a module the handler imports is located in that module',
    files: {
      'handlers/main.js': 'import { y } from "./lib/dep.js";\nexport const t = () => y;\n',
      'handlers/lib/dep.js': 'export const y = 1;\nlet let = 2;\n',
    },
    handler: './handlers/main.js#t',
    why: 'syntax error at handlers/lib/dep.js:2:5: Unexpected strict mode reserved word',
  },
  {
    name: 'a syntax error in a CommonJS handler (.cjs)',
    files: { 'handlers/old.cjs': 'exports.t = () => {\n  return 1 +;\n};\n' },
    handler: './handlers/old.cjs#t',
    why: "syntax error at handlers/old.cjs:2:13: Unexpected token ';'",
  },
  {
    name: 'an import of a name the imported module does not export',
    files: {
      'handlers/m.js': 'import { nope } from "./d.js";\nexport const t = () => nope;\n',
      'handlers/d.js': 'export const y = 1;\n',
    },
    handler: './handlers/m.js#t',
    why: "handlers/m.js:1:10: The requested module './d.js' does not provide an export named 'nope'",
  },
  {
    name: 'ESM after npm init -y ("type": "commonjs"): add "type": "module" or rename to .mjs',
    files: {
      'package.json': NPM_INIT,
      'handlers/esm.js': 'import { readFile } from "node:fs/promises";\nexport const t = () => readFile;\n',
    },
    handler: './handlers/esm.js#t',
    why:
      'handlers/esm.js:1:1 uses ESM syntax (import) but the nearest package.json (package.json) has "type": "commonjs"; ' +
      'add "type": "module" to package.json, or rename the file to .mjs',
  },
  {
    name: 'ESM under a nested package.json with "type": "commonjs" names that package.json',
    files: { 'legacy/package.json': NPM_INIT, 'legacy/esm.js': '\nexport function t() {}\n' },
    handler: './legacy/esm.js#t',
    why:
      'legacy/esm.js:2:1 uses ESM syntax (export) but the nearest package.json (legacy/package.json) has "type": "commonjs"; ' +
      'add "type": "module" to legacy/package.json, or rename the file to .mjs',
  },
  {
    name: 'ESM in a .cjs file',
    files: { 'handlers/x.cjs': 'export function t() {}\n' },
    handler: './handlers/x.cjs#t',
    why: 'handlers/x.cjs:1:1 uses ESM syntax (export) but .cjs files are CommonJS; rename it to .mjs, or use require and module.exports',
  },
  {
    name: 'require in a .js under "type": "module": rename to .cjs or use import',
    files: { 'handlers/uses-require.js': 'const fs = require("node:fs");\nexports.t = () => fs;\n' },
    handler: './handlers/uses-require.js#t',
    why:
      'handlers/uses-require.js:1:12 uses CommonJS (require) but the nearest package.json (package.json) has "type": "module"; ' +
      'rename it to .cjs, or use import',
  },
  {
    name: 'module.exports in a .mjs file',
    files: { 'handlers/x.mjs': 'module.exports = { t() {} };\n' },
    handler: './handlers/x.mjs#t',
    why: 'handlers/x.mjs:1:1 uses CommonJS (module) but .mjs files are ES modules; rename it to .cjs, or use export',
  },
];

/** Where handlers are imported: `mcp-serve` (this thread), `--watch` (one worker per version), `isolation: worker`. */
const LOADERS: { name: string; loader?: HandlerLoader; isolation?: string }[] = [
  { name: 'in this thread' },
  { name: 'in a handler worker (watch mode)', loader: workerHandlers },
  { name: 'isolated (isolation: worker)', isolation: 'worker' },
];

describe('a handler that fails to import says why and where', () => {
  for (const c of IMPORT_CASES) {
    test(c.name, async () => {
      for (const { name, loader, isolation } of LOADERS) {
        const dir = project({ ...c.files, 'mcp-oauth.config.yaml': oneTool(c.handler, isolation) });
        const line = isolation ? 7 : 6;
        const message = `"${c.handler}" failed to load: ${c.why}`;
        const expected = [
          { file: join(dir, 'mcp-oauth.config.yaml'), path: 'tools[0].handler', message, line, column: 14 },
        ];
        assert.deepEqual(await problemsOf(dir, loader), expected, name);
      }
    });
  }
});

/** A manifest with one mistake of each kind; each tool's handler is at column 14 of the line given. */
const EVERYTHING = {
  'mcp-oauth.config.yaml': [
    'server: {name: fixture, version: 1.0.0}',
    'auth: {provider: jwt, isuer: https://issuer.example.com}',
    'tools:',
    '  - name: misspelt', // 4
    '    inputSchema: {type: object}',
    '    handlr: ./handlers/ok.js#one',
    '  - name: wrong_path', // 7
    '    inputSchema: {type: object}',
    '    handler: ./handler/ok.js#two',
    '  - name: wrong_export', // 10
    '    inputSchema: {type: object}',
    '    handler: ./handlers/ok.js#thre',
    '  - name: syntax', // 13
    '    inputSchema: {type: object}',
    '    handler: ./handlers/broken.js#four',
    '  - name: esm_under_commonjs', // 16
    '    inputSchema: {type: object}',
    '    handler: ./legacy/esm.js#five',
    '  - name: fine', // 19
    '    inputSchema: {type: object}',
    '    handler: ./handlers/ok.js#three',
    '',
  ].join('\n'),
  'handlers/ok.js': 'export function one() {}\nexport function three() {}\n',
  'handlers/broken.js': 'export const four = () => {\n  return 1 +;\n};\n',
  'legacy/package.json': NPM_INIT,
  'legacy/esm.js': 'export function five() {}\n',
};

/** [line, column, path, message] of every problem in EVERYTHING, `<dir>` standing for its directory. */
const EVERYTHING_PROBLEMS: [line: number, column: number, path: string, message: string][] = [
  [2, 23, 'auth.isuer', 'unknown key "isuer"; did you mean "issuer"?'],
  [4, 5, 'tools[0]', 'missing required key "handler"'],
  [6, 5, 'tools[0].handlr', 'unknown key "handlr"; did you mean "handler"?'],
  [
    9,
    14,
    'tools[1].handler',
    '"./handler/ok.js#two": no file at <dir>/handler/ok.js; check the path (relative to the manifest)',
  ],
  [12, 14, 'tools[2].handler', '"./handlers/ok.js#thre" has no export named "thre"; it exports "one", "three"'],
  [
    15,
    14,
    'tools[3].handler',
    '"./handlers/broken.js#four" failed to load: syntax error at handlers/broken.js:2:13: Unexpected token \';\'',
  ],
  [
    18,
    14,
    'tools[4].handler',
    '"./legacy/esm.js#five" failed to load: legacy/esm.js:1:1 uses ESM syntax (export) but the nearest package.json ' +
      '(legacy/package.json) has "type": "commonjs"; add "type": "module" to legacy/package.json, or rename the file to .mjs',
  ],
];

describe('schema problems and handler problems in one report', () => {
  test('a misspelt key, a wrong handler path, a wrong export, a syntax error and ESM under commonjs: all at once, located', async () => {
    const dir = project(EVERYTHING);
    const problems = await problemsOf(dir);
    assert.deepEqual(
      problems.map((p) => [p.line, p.column, p.path, p.message.replaceAll(dir, '<dir>')]),
      EVERYTHING_PROBLEMS,
    );
  });

  test('the same report from the handler worker that watch mode loads handlers in', async () => {
    const dir = project(EVERYTHING);
    assert.deepEqual(await problemsOf(dir, workerHandlers), await problemsOf(dir));
  });

  /** `mcp-serve validate` in `dir` under `node`; Node's own "(node:123) Warning" lines left out. */
  function validate(node: string, dir: string) {
    const run = spawnSync(node, [BIN, 'validate'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    const stderr = run.stderr
      .split('\n')
      .filter((l) => !/^\(node:\d+\) Warning:|^\(Use `node --trace-warnings/.test(l))
      .join('\n');
    return { status: run.status, stdout: run.stdout, stderr };
  }
  const expectedOutput = (dir: string) =>
    [
      `${EVERYTHING_PROBLEMS.length} problems in the manifest:`,
      ...EVERYTHING_PROBLEMS.map(
        ([line, column, path, message]) =>
          `  mcp-oauth.config.yaml:${line}:${column}  ${path === '' ? '' : `${path}: `}${message.replaceAll('<dir>', dir)}`,
      ),
      '',
    ].join('\n');

  test('mcp-serve validate prints every problem and exits 1', () => {
    const dir = project(EVERYTHING);
    assert.deepEqual(validate(process.execPath, dir), { status: 1, stdout: '', stderr: expectedOutput(dir) });
  });

  const NODE24 = { timeout: 180_000, skip: !CAN_GET_NODE24 && 'no Node 24 for this platform' };
  test('the same output under Node 24, and a TypeScript syntax error located too', NODE24, () => {
    const node = node24();
    const dir = project(EVERYTHING);
    assert.deepEqual(validate(node, dir), { status: 1, stdout: '', stderr: expectedOutput(dir) });
    const ts = project({
      'mcp-oauth.config.yaml': oneTool('./handlers/t.ts#t'),
      'handlers/t.ts': 'export const t = (a: number): number => {\n  return a +;\n};\n',
    });
    assert.deepEqual(validate(node, ts), {
      status: 1,
      stdout: '',
      stderr:
        '1 problem in the manifest:\n' +
        '  mcp-oauth.config.yaml:6:14  tools[0].handler: "./handlers/t.ts#t" failed to load: syntax error at handlers/t.ts:2:13: Expression expected\n',
    });
  });
});

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('signing keys that cannot be fetched: the URL and the cause', () => {
  test('a JWKS on a closed port: the start-up warning, /readyz and a reload name the URL and ECONNREFUSED', async () => {
    const port = await closedPort();
    const jwksUri = `http://127.0.0.1:${port}/jwks`;
    const failure = `signing keys could not be fetched from ${jwksUri} (ECONNREFUSED 127.0.0.1:${port})`;
    const server = await serveManifest(protectedManifest(`http://127.0.0.1:${port}`, { auth: { jwksUri } }));
    try {
      assert.deepEqual(server.runtime.keys, { error: failure });
      const ready = await fetch(new URL('/readyz', server.url));
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), {
        status: 'not_ready',
        reason: `the authorization server's signing keys are not loaded yet: ${failure}`,
      });
      const result = await server.runtime.reload();
      assert.equal(result.ok, true);
      for (let i = 0; i < 100 && !server.logs.some((l) => l.includes(failure)); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(server.logs.includes(`warning: ${failure}: requests get 503 until they can`), server.logs.join('\n'));
    } finally {
      await server.close();
    }
  });

  test('an issuer on a closed port: the warning names both discovery URLs', async () => {
    const port = await closedPort();
    const issuer = `http://127.0.0.1:${port}`;
    const server = await serveManifest(protectedManifest(issuer));
    try {
      assert.deepEqual(server.runtime.keys, {
        error:
          `signing keys could not be fetched: the JWKS URL could not be discovered from ${issuer}/.well-known/oauth-authorization-server ` +
          `or ${issuer}/.well-known/openid-configuration (ECONNREFUSED 127.0.0.1:${port})`,
      });
    } finally {
      await server.close();
    }
  });

  test('a JWKS answering 500: the status, and no query string (it could hold a secret)', async () => {
    const jwks = createServer((_req, res) => res.writeHead(500).end()).listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    const origin = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    const server = await serveManifest(protectedManifest(origin, { auth: { jwksUri: `${origin}/jwks?key=s3cret` } }));
    try {
      assert.deepEqual(server.runtime.keys, {
        error: `signing keys could not be fetched from ${origin}/jwks (HTTP 500)`,
      });
    } finally {
      await server.close();
      jwks.close();
    }
  });

  test('mcp-serve prints the warning under its banner', async () => {
    const port = await closedPort();
    const dir = project({
      'mcp-oauth.config.yaml': [
        'server: {name: fixture, version: 1.0.0}',
        `auth: {provider: jwt, issuer: "http://127.0.0.1:${port}", jwksUri: "http://127.0.0.1:${port}/jwks"}`,
        'tools: []',
      ].join('\n'),
    });
    const child = spawn(process.execPath, [BIN, '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      while (!stdout.includes('Ctrl-C to stop.')) {
        if (child.exitCode !== null) assert.fail(`mcp-serve exited early:\n${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const failure = `signing keys could not be fetched from http://127.0.0.1:${port}/jwks (ECONNREFUSED 127.0.0.1:${port})`;
      const warning = `  warning: ${failure}: requests get 503 until they can`;
      assert.ok(stdout.split('\n').includes(warning), stdout);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  test('doctor names the unreachable address', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/mcp`;
    const checks = await runDoctor(url);
    assert.deepEqual(
      checks.find((c) => c.name === '401 challenge'),
      {
        name: '401 challenge',
        status: 'fail',
        detail: `${url} cannot be reached (fetch failed: ECONNREFUSED 127.0.0.1:${port})`,
      },
    );
  });

  /** An error shaped as Node's net and dns modules make them. */
  const systemError = (code: string, fields: Record<string, unknown>) =>
    Object.assign(new Error(`${code} (as Node says it)`), { code, ...fields });

  test('describeError: the deepest cause, said shortly; a library code is not a system error', async () => {
    const port = await closedPort();
    const refused = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    const cases: [string, unknown, string][] = [
      ['undici fetch failed', refused, `fetch failed: ECONNREFUSED 127.0.0.1:${port}`],
      [
        'a Response as the cause',
        new Error('not conform', { cause: new Response('', { status: 404 }) }),
        'not conform: HTTP 404',
      ],
      [
        'several addresses tried',
        new Error('fetch failed', {
          cause: new AggregateError([systemError('ECONNREFUSED', { address: '::1', port: 80 })]),
        }),
        'fetch failed: ECONNREFUSED ::1:80',
      ],
      [
        'a lookup failure',
        new Error('fetch failed', { cause: systemError('EAI_AGAIN', { hostname: 'auth.example.com' }) }),
        'fetch failed: EAI_AGAIN auth.example.com',
      ],
      [
        'a jose error code',
        Object.assign(new Error('Expected 200 OK'), { code: 'ERR_JOSE_GENERIC' }),
        'Expected 200 OK',
      ],
      ['a plain record as the cause', new Error('issuer mismatch', { cause: { expected: 'x' } }), 'issuer mismatch'],
    ];
    for (const [name, error, expected] of cases) assert.equal(describeError(error), expected, name);
  });
});
