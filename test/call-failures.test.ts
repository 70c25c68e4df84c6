/**
 * What a failing handler becomes for each kind of item, over a real server and the v2
 * client: a tool's isError result, a prompt's or resource's JSON-RPC error, the
 * handler's own error logged once with its stack, a timeout not logged as a fault;
 * and the timeout every handler runs with, as resolved from the manifest.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadManifest } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';

const HANDLERS = `
export const brokenPrompt = () => { throw new Error('the prompt broke on purpose'); };
export const brokenResource = () => { throw new Error('the resource broke on purpose'); };
export const numberNote = () => 42;
export const returnsFunction = () => () => 1;
export const hangs = () => new Promise(() => {});
export const slowNames = () => new Promise(() => {});
`;

const MANIFEST = {
  server: { name: 'failures', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0 },
  auth: { provider: 'none' },
  tools: [
    { name: 'returnsFunction', inputSchema: { type: 'object' }, handler: './handlers/failing.js#returnsFunction' },
    { name: 'hangs', inputSchema: { type: 'object' }, timeoutMs: 100, handler: './handlers/failing.js#hangs' },
  ],
  resources: [{ uri: 'docs://broken', name: 'broken', handler: './handlers/failing.js#brokenResource' }],
  resourceTemplates: [
    {
      uriTemplate: 'notes://{id}',
      name: 'note',
      handler: './handlers/failing.js#numberNote',
      complete: { id: './handlers/failing.js#slowNames' },
    },
  ],
  prompts: [{ name: 'broken', handler: './handlers/failing.js#brokenPrompt' }],
};

function writeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-failures-'));
  mkdirSync(join(dir, 'handlers'));
  writeFileSync(join(dir, 'handlers', 'failing.js'), HANDLERS);
  writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(MANIFEST, null, 2));
  return dir;
}

describe('a failing handler', () => {
  let dir: string;
  let runtime: Runtime;
  let client: Client;
  const logs: string[] = [];
  /** The log lines naming `text`. */
  const logged = (text: string) => logs.filter((line) => line.includes(text));

  before(async () => {
    dir = writeProject();
    runtime = await startRuntime({
      cwd: dir,
      http: { port: 0 },
      log: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
      drainMs: 2_000,
    });
    client = new Client(
      { name: 'failures', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(runtime.url)));
  });
  after(async () => {
    await client?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('of a prompt is a JSON-RPC error naming the prompt; the stack is logged once', async () => {
    await assert.rejects(client.getPrompt({ name: 'broken' }), /The broken prompt failed: the prompt broke on purpose/);
    const lines = logged('prompt broken failed: Error: the prompt broke on purpose');
    assert.equal(lines.length, 1, logs.join('\n'));
    assert.match(lines[0]!, /failing\.js/);
  });

  test('of a resource is a JSON-RPC error naming the URI; the stack is logged once', async () => {
    await assert.rejects(
      client.readResource({ uri: 'docs://broken' }),
      /Reading docs:\/\/broken failed: the resource broke on purpose/,
    );
    const lines = logged('resource docs://broken failed: Error: the resource broke on purpose');
    assert.equal(lines.length, 1, logs.join('\n'));
    assert.match(lines[0]!, /failing\.js/);
  });

  test('a template result that cannot be converted fails the read like a throw', async () => {
    await assert.rejects(
      client.readResource({ uri: 'notes://7' }),
      /Reading notes:\/\/7 failed: the handler returned neither a string, \{ text \}, \{ blob \} nor \{ contents \}/,
    );
    assert.equal(logged('resource notes://7 failed: TypeError: the handler returned neither').length, 1);
  });

  test('a tool result that cannot be converted is a tool error, logged once', async () => {
    const result = await client.callTool({ name: 'returnsFunction', arguments: {} });
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [
      {
        type: 'text',
        text: 'the handler returned a function; return a string, plain data or a CallToolResult',
      },
    ]);
    assert.equal(logged('tool returnsFunction failed: TypeError: the handler returned a function').length, 1);
  });

  test('a timeout is a tool error with the timeout, and no fault in the log', async () => {
    const result = await client.callTool({ name: 'hangs', arguments: {} });
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: 'text', text: 'hangs timed out after 100 ms' }]);
    assert.deepEqual(logged('tool hangs failed'), []);
  });

  test('a completion handler runs with the completion timeout (5 s)', { timeout: 20_000 }, async () => {
    const started = Date.now();
    await assert.rejects(
      client.complete({ ref: { type: 'ref/resource', uri: 'notes://{id}' }, argument: { name: 'id', value: 'a' } }),
      /completion of id timed out after 5000 ms/,
    );
    assert.ok(Date.now() - started < 15_000);
  });
});

test('every handler carries its timeout from the manifest load', async () => {
  const dir = writeProject();
  try {
    const { manifest } = await loadManifest({ cwd: dir, handlers: false });
    assert.deepEqual(
      manifest.tools.map((t) => t.timeoutMs),
      [30_000, 100],
    );
    const [resource] = manifest.resources;
    assert.equal(resource?.source.kind === 'handler' && resource.source.timeoutMs, 30_000);
    const [template] = manifest.resourceTemplates;
    assert.equal(template?.timeoutMs, 30_000);
    const completion = template?.complete['id'];
    assert.ok(completion && 'handler' in completion, 'a completion handler');
    assert.equal(completion.handler.exportName, 'slowNames');
    assert.equal(completion.timeoutMs, 5_000);
    assert.equal(manifest.prompts[0]?.timeoutMs, 30_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
