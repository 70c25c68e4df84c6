/**
 * `mcp-serve list`, `call` and `connect` as a user runs them, against the real server:
 * the bin spawned, speaking MCP through the SDK client, with the dev server's tokens.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { FIXTURE_TOOLS, FIXTURES, ROOT } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
const execFileAsync = promisify(execFile);
const { MCP_TOKEN: _ignored, ...withoutToken } = process.env;

let dir: string;
let config: string;
let runtime: Runtime;
let port: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-client-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  config = join(dir, 'mcp-oauth.config.json');
  const manifest = {
    server: { name: 'client-fixture', version: '1.0.0' },
    http: { port: 0 },
    auth: { provider: 'dev' },
    tools: FIXTURE_TOOLS,
  };
  writeFileSync(config, JSON.stringify(manifest, null, 2));
  runtime = await startRuntime({ cwd: dir, http: { port: 0 }, log: createLogger({ write: () => {} }), drainMs: 500 });
  port = new URL(runtime.url).port;
});
after(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd: dir, env: withoutToken });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const target = () => ['--config', config, '--port', port];

describe('mcp-serve list', () => {
  test('lists the tools through an MCP client, with the scopes the manifest gives them, on a minted dev token', async () => {
    const run = await cli('list', ...target());
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`^${runtime.url.replace(/[.]/g, '\\.')}\\n\\n  Tools \\(${FIXTURE_TOOLS.length}\\)`),
    );
    assert.match(run.stdout, /^ {4}echo +Echo the text back \[todo:read\]$/m);
    assert.match(run.stdout, /^ {4}write +Needs todo:write \[todo:write\]$/m);
  });

  test('--json prints the listing as the server gave it', async () => {
    const run = await cli('list', '--json', ...target());
    assert.equal(run.code, 0, run.stderr);
    const listing = JSON.parse(run.stdout) as { tools: { name: string }[] };
    assert.deepEqual(
      listing.tools.map((t) => t.name),
      FIXTURE_TOOLS.map((t) => t.name),
    );
  });

  test('a server that is not there is named, with what to check', async () => {
    const run = await cli('list', '--url', 'http://127.0.0.1:1/mcp', '--token', 'x');
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^http:\/\/127\.0\.0\.1:1\/mcp did not answer as an MCP server \(.+\); is it running \(npx mcp-serve\), and is this its URL \(--url\)\?$/m,
    );
  });
});

describe('mcp-serve call', () => {
  test("prints the handler's answer", async () => {
    const run = await cli('call', 'echo', '{"text":"hi"}', ...target());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'echo: hi\n');
  });

  test('structured content comes as JSON, and --json prints the whole result', async () => {
    const run = await cli('call', 'write', '{"title":"milk"}', '--json', ...target());
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { structuredContent: unknown }).structuredContent, {
      title: 'milk',
      subject: 'dev-user',
    });
  });

  test('a tool error exits 1 with its message', async () => {
    const run = await cli('call', 'fail', ...target());
    assert.equal(run.code, 1);
    assert.match(run.stderr, /the fixture failed on purpose/);
  });

  test('a token without the scope gets the 403 advice naming the scope the server asked for', async () => {
    const token = (await cli('token', '--scope', 'todo:read', ...target())).stdout.trim();
    const run = await cli('call', 'write', '{"title":"x"}', '--token', token, ...target());
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^403 insufficient_scope: it needs the scope todo:write; pass a token that carries it \(--token\), or with provider dev: npx mcp-serve token --scope todo:write$/m,
    );
  });

  test('a refused token gets the 401 advice', async () => {
    const run = await cli('call', 'echo', '{"text":"x"}', '--token', 'not-a-jwt', ...target());
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^401 from http:\/\/127\.0\.0\.1:\d+\/mcp: the token was refused \(invalid_token/m);
  });

  test('arguments that are not a JSON object are refused before anything is sent', async () => {
    const run = await cli('call', 'echo', '[1]', ...target());
    assert.equal(run.code, 1);
    assert.match(run.stderr, /the tool's arguments must be a JSON object such as '\{"name":"Ada"\}', not \[1\]/);
  });
});

describe('mcp-serve connect', () => {
  const url = () => runtime.url;

  test('claude-code prints the claude mcp add command and the .mcp.json entry', async () => {
    const run = await cli('connect', 'claude-code', ...target());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^claude mcp add --transport http client-fixture ${url()}$`, 'm'));
    const json = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as unknown;
    assert.deepEqual(json, { mcpServers: { 'client-fixture': { type: 'http', url: url() } } });
  });

  for (const [client, key, entry] of [
    ['cursor', 'mcpServers', (u: string) => ({ url: u })],
    ['vscode', 'servers', (u: string) => ({ type: 'http', url: u })],
  ] as const) {
    test(`${client} prints JSON that names the URL`, async () => {
      const run = await cli('connect', client, ...target());
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))), {
        [key]: { 'client-fixture': entry(url()) },
      });
    });
  }

  test('inspector and claude-desktop print their commands with the URL', async () => {
    const inspector = await cli('connect', 'inspector', ...target());
    assert.match(inspector.stdout, /^npx @modelcontextprotocol\/inspector$/m);
    assert.ok(inspector.stdout.includes(`serverUrl=${encodeURIComponent(url())}`));
    const desktop = await cli('connect', 'claude-desktop', ...target());
    const json = JSON.parse(desktop.stdout.slice(desktop.stdout.indexOf('{'))) as unknown;
    assert.deepEqual(json, { mcpServers: { 'client-fixture': { command: 'npx', args: ['mcp-remote', url()] } } });
    assert.equal((await cli('connect', 'claude-desktop', '--write', ...target())).code, 1);
  });

  test('--write merges into the project file, keeps other servers, and refuses to replace a different entry without --force', async () => {
    const file = join(dir, '.vscode', 'mcp.json');
    const first = await cli('connect', 'vscode', '--write', ...target());
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      servers: { 'client-fixture': { type: 'http', url: url() } },
    });

    writeFileSync(
      file,
      JSON.stringify({
        servers: { other: { type: 'stdio', command: 'x' }, 'client-fixture': { type: 'http', url: 'http://old/mcp' } },
      }),
    );
    const refused = await cli('connect', 'vscode', '--write', ...target());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already has a server "client-fixture" that differs/);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).servers['client-fixture'].url, 'http://old/mcp');

    const forced = await cli('connect', 'vscode', '--write', '--force', ...target());
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      servers: { other: { type: 'stdio', command: 'x' }, 'client-fixture': { type: 'http', url: url() } },
    });
  });

  test('an unknown client names the known ones', async () => {
    const run = await cli('connect', 'emacs', ...target());
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /mcp-serve connect needs a client: claude-code, cursor, vscode, inspector, claude-desktop \(not "emacs"\)/,
    );
  });
});
