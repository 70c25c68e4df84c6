/**
 * Hot reload against a running server with connected clients: the files change on
 * disk, the watcher rebuilds, the new version is swapped in (or refused, and the old
 * one keeps serving).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createTypesRefresh } from '../src/commands/types.js';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { describeReload } from '../src/runtime/reload.js';
import { onlyRpc, post, toolCall } from './support/clients.js';

const tool = (name: string, exportName = name, extra: Record<string, unknown> = {}) => ({
  name,
  description: `the ${name} tool`,
  inputSchema: { type: 'object', properties: {} },
  handler: `./handlers/tools.js#${exportName}`,
  ...extra,
});
const manifest = (tools: unknown[], extra: Record<string, unknown> = {}) => ({
  server: { name: 'reload-fixture', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0 },
  auth: { provider: 'none' },
  tools,
  ...extra,
});
const HANDLERS = (version: string) => `
import { label } from './label.js';
export const hello = () => 'hello ${version} ' + label;
export const added = () => 'added ${version}';
export const slow = (input, ctx) => new Promise((resolve) => setTimeout(() => resolve('slow ${version}'), 800));
`;

let dir: string;
let runtime: Runtime;
const logs: string[] = [];
const write = (file: string, content: string | object) =>
  writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content, null, 2));

/** Waits for the watcher to finish the next reload (or refuse it) and returns its log line. */
async function nextReload(change: () => void): Promise<string> {
  const seen = logs.length;
  change();
  for (let i = 0; i < 100; i++) {
    const line = logs.slice(seen).find((l) => /^reloaded in|^error: reload failed/.test(l));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no reload logged; logs: ${logs.slice(seen).join('\n')}`);
}

/** The JSON-RPC answer, whether it came as JSON or as one SSE event. */
const rpc = async <T>(response: Response): Promise<T> => onlyRpc(await response.text()) as T;

const call = async (name: string) => {
  const body = await rpc<{ result?: { content: { text: string }[]; isError?: boolean }; error?: { message: string } }>(
    await post(runtime.url, toolCall(name)),
  );
  return body.result?.isError
    ? `error: ${body.result.content[0]?.text}`
    : (body.result?.content[0]?.text ?? `jsonrpc error: ${body.error?.message}`);
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-reload-'));
  mkdirSync(join(dir, 'handlers'));
  write('handlers/tools.js', HANDLERS('v1'));
  write('handlers/label.js', `export const label = 'one';\n`);
  write('mcp-oauth.config.json', manifest([tool('hello'), tool('slow')]));
  const log = createLogger({ write: (l) => logs.push(l) });
  // As mcp-serve dev runs it: a generated types file follows each version.
  runtime = await startRuntime({
    cwd: dir,
    watch: true,
    http: { port: 0 },
    log,
    drainMs: 500,
    onLoaded: createTypesRefresh(log),
  });
});
after(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

test('adding a tool: a connected 2026-07-28 client is told the list changed and calls it without reconnecting', async () => {
  const changes: string[][] = [];
  const client = new ModernClient(
    { name: 'reload', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: '2026-07-28' } },
      listChanged: {
        tools: { debounceMs: 0, onChanged: (_e, tools) => changes.push((tools ?? []).map((t) => t.name)) },
      },
    },
  );
  await client.connect(new ModernTransport(new URL(runtime.url)));
  try {
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ['hello', 'slow'],
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the listen stream opens
    const line = await nextReload(() =>
      write('mcp-oauth.config.json', manifest([tool('hello'), tool('slow'), tool('added')])),
    );
    assert.match(line, /^reloaded in \d+ ms \(mcp-oauth\.config\.json changed\): tools \+added$/);
    for (let i = 0; i < 40 && changes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(changes.at(-1), ['hello', 'slow', 'added']);
    const result = (await client.callTool({ name: 'added', arguments: {} })) as { content: { text: string }[] };
    assert.equal(result.content[0]?.text, 'added v1');
  } finally {
    await client.close();
  }
});

test('adding a tool: a 2025-11-25 session is sent notifications/tools/list_changed and calls it on the same session', async () => {
  const notified: string[] = [];
  const client = new LegacyClient({ name: 'reload-legacy', version: '1.0.0' });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void notified.push('tools/list_changed'));
  const transport = new LegacyTransport(new URL(runtime.url));
  await client.connect(transport);
  try {
    assert.ok(transport.sessionId, 'initialize opened a session');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the GET stream opens
    await nextReload(() =>
      write('mcp-oauth.config.json', manifest([tool('hello'), tool('slow'), tool('added'), tool('more', 'added')])),
    );
    for (let i = 0; i < 40 && notified.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(notified.length > 0, 'the session heard about the change');
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ['hello', 'slow', 'added', 'more'],
    );
    const result = (await client.callTool({ name: 'more', arguments: {} })) as { content: { text: string }[] };
    assert.equal(result.content[0]?.text, 'added v1');
  } finally {
    await client.close();
  }
});

test('a broken manifest is refused with the start-up message; the old version keeps serving', async () => {
  const line = await nextReload(() =>
    write('mcp-oauth.config.json', manifest([tool('hello', 'hello', { scopes: ['bad scope'] })])),
  );
  assert.match(
    line,
    /^error: reload failed; still serving the previous version\.\n1 problem in the manifest:\n {2}.*mcp-oauth\.config\.json:\d+:\d+ {2}tools\[0\]\.scopes\[0\]: "bad scope" is not a valid scope token/,
  );
  assert.equal(await call('added'), 'added v1');
  const unparsable = await nextReload(() => write('mcp-oauth.config.json', '{ "server": '));
  assert.match(unparsable, /^error: reload failed/);
  assert.equal(await call('hello'), 'hello v1 one');
  const fixed = await nextReload(() => write('mcp-oauth.config.json', manifest([tool('hello'), tool('slow')])));
  assert.match(fixed, /^reloaded in \d+ ms \(mcp-oauth\.config\.json changed\): tools -added -more$/);
});

test('a handler edit is picked up by the next call; so is a module it imports', async () => {
  assert.match(
    await nextReload(() => write('handlers/tools.js', HANDLERS('v2'))),
    /^reloaded in \d+ ms \(handlers\/tools\.js changed\): tools ~hello ~slow$/,
  );
  assert.equal(await call('hello'), 'hello v2 one');
  const imported = await nextReload(() => write('handlers/label.js', `export const label = 'two';\n`));
  assert.match(imported, /^reloaded in \d+ ms \(handlers\/label\.js changed\): tools ~hello ~slow$/);
  assert.equal(await call('hello'), 'hello v2 two');
});

test('a handler with a syntax error or a missing export is refused; the old handlers keep serving', async () => {
  const syntax = await nextReload(() => write('handlers/tools.js', 'export const hello = ( =>'));
  assert.match(
    syntax,
    /^error: reload failed[\s\S]*tools\[0\]\.handler: "\.\/handlers\/tools\.js#hello" failed to load: /,
  );
  assert.equal(await call('hello'), 'hello v2 two');
  const missing = await nextReload(() =>
    write('handlers/tools.js', `export const hi = () => 'hi';\nexport const slow = () => 'slow';\n`),
  );
  assert.match(
    missing,
    /tools\[0\]\.handler: "\.\/handlers\/tools\.js#hello" has no export named "hello"; it exports "hi", "slow"/,
  );
  assert.equal(await call('hello'), 'hello v2 two');
  await nextReload(() => write('handlers/tools.js', HANDLERS('v3')));
  assert.equal(await call('hello'), 'hello v3 two');
});

test('a call in flight during a reload finishes on the version it started on', async () => {
  const inFlight = call('slow');
  await new Promise((resolve) => setTimeout(resolve, 100));
  await nextReload(() => write('handlers/tools.js', HANDLERS('v4')));
  assert.equal(await call('hello'), 'hello v4 two');
  assert.equal(await inFlight, 'slow v3');
  assert.equal(await call('slow'), 'slow v4');
});

test('auth changes apply on reload, and the metadata document follows', async () => {
  assert.equal((await post(runtime.url, toolCall('hello'))).status, 200);
  const line = await nextReload(() =>
    write(
      'mcp-oauth.config.json',
      manifest([tool('hello', 'hello', { scopes: ['hello:read'] }), tool('slow')], { auth: { provider: 'dev' } }),
    ),
  );
  assert.match(line, /tools ~hello; auth changed; resource changed/);
  const refused = await post(runtime.url, toolCall('hello'));
  assert.equal(refused.status, 401);
  const prm = (await (
    await fetch(`${new URL(runtime.url).origin}/.well-known/oauth-protected-resource`)
  ).json()) as Record<string, unknown>;
  assert.deepEqual(prm['authorization_servers'], [new URL(runtime.url).origin]);
  assert.deepEqual(prm['scopes_supported'], ['hello:read']);
  await nextReload(() => write('mcp-oauth.config.json', manifest([tool('hello'), tool('slow')])));
  assert.equal((await post(runtime.url, toolCall('hello'))).status, 200);
});

test('a .env change reloads too', async () => {
  write(
    'mcp-oauth.config.json',
    manifest([tool('hello', 'hello', { description: '${GREETING:-plain}' }), tool('slow')]),
  );
  await nextReload(() => {});
  const line = await nextReload(() => write('.env', 'GREETING=from dotenv\n'));
  assert.match(line, /tools ~hello/);
  const list = await rpc<{ result: { tools: { name: string; description: string }[] } }>(
    await post(runtime.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  );
  assert.equal(list.result.tools.find((t) => t.name === 'hello')?.description, 'from dotenv');
});

test('a generated types file beside the manifest is regenerated on reload', async () => {
  write('mcp-oauth.types.ts', '// stale\n');
  const seen = logs.length;
  await nextReload(() =>
    write(
      'mcp-oauth.config.json',
      manifest([
        tool('hello', 'hello', {
          inputSchema: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] },
        }),
        tool('slow'),
      ]),
    ),
  );
  for (let i = 0; i < 20 && !logs.slice(seen).some((l) => l.startsWith('types:')); i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const types = readFileSync(join(dir, 'mcp-oauth.types.ts'), 'utf8');
  assert.match(types, /export const HelloInput = z\.object\(\{ "who": z\.string\(\) \}\)/);
  assert.ok(logs.slice(seen).some((l) => /^types: .*mcp-oauth\.types\.ts regenerated$/.test(l)));
});

test('retired versions are freed once their requests are done: one version stays loaded', async () => {
  for (let i = 0; i < 20 && runtime.versions > 1; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(runtime.versions, 1);
});

test('adding a prompt: a 2026-07-28 listener is told the prompt list changed', async () => {
  const changes: string[][] = [];
  const client = new ModernClient(
    { name: 'reload-prompts', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: '2026-07-28' } },
      listChanged: {
        prompts: { debounceMs: 0, onChanged: (_e, prompts) => changes.push((prompts ?? []).map((p) => p.name)) },
      },
    },
  );
  write(
    'mcp-oauth.config.json',
    manifest([tool('hello'), tool('slow')], {
      prompts: [{ name: 'first', messages: [{ role: 'user', text: 'one' }] }],
    }),
  );
  await nextReload(() => {});
  await client.connect(new ModernTransport(new URL(runtime.url)));
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const line = await nextReload(() =>
      write(
        'mcp-oauth.config.json',
        manifest([tool('hello'), tool('slow')], {
          prompts: [
            { name: 'first', messages: [{ role: 'user', text: 'one' }] },
            { name: 'second', messages: [{ role: 'user', text: 'two' }] },
          ],
        }),
      ),
    );
    assert.match(line, /^reloaded in \d+ ms \(mcp-oauth\.config\.json changed\): prompts \+second$/);
    for (let i = 0; i < 40 && changes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(changes.at(-1), ['first', 'second']);
  } finally {
    await client.close();
  }
});

// Every kind of handler module is followed, each in a file of its own so that the line can name it.
const PROMPTS = (version: string) =>
  `import { tone } from './tone.js';\nexport const review = (args) => ['review ' + args.code + ' ${version} ' + tone];\n`;
const RESOURCES = (version: string) => `export const status = () => 'status ${version}';\n`;
const TEMPLATES = (version: string) =>
  `export const note = (uri, variables) => 'note ' + variables.id + ' ${version}';\n`;
const COMPLETIONS = (version: string) =>
  `export const ids = () => ['id-${version}'];\nexport const codes = () => ['code-${version}'];\n`;
const everyKind = (extraPrompts: unknown[] = []) =>
  manifest([tool('hello'), tool('slow')], {
    prompts: [
      {
        name: 'review',
        arguments: [{ name: 'code' }],
        handler: './handlers/prompts.js#review',
        complete: { code: './handlers/complete.js#codes' },
      },
      ...extraPrompts,
    ],
    resources: [{ uri: 'app://status', name: 'status', handler: './handlers/resources.js#status' }],
    resourceTemplates: [
      {
        uriTemplate: 'notes://{id}',
        name: 'note',
        handler: './handlers/templates.js#note',
        complete: { id: './handlers/complete.js#ids' },
      },
    ],
  });

interface ContentApi {
  getPrompt(p: {
    name: string;
    arguments?: Record<string, string>;
  }): Promise<{ messages: { content: { text?: string } }[] }>;
  readResource(p: { uri: string }): Promise<{ contents: { text?: string }[] }>;
  complete(p: unknown): Promise<{ completion: { values: string[] } }>;
  close(): Promise<void>;
}

/** Asks through a real 2026-07-28 SDK client connected for this one question. */
async function ask<T>(question: (client: ContentApi) => Promise<T>): Promise<T> {
  const client = new ModernClient(
    { name: 'reload-content', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new ModernTransport(new URL(runtime.url)));
  try {
    return await question(client as unknown as ContentApi);
  } finally {
    await client.close();
  }
}
const prompt = () =>
  ask(async (c) => (await c.getPrompt({ name: 'review', arguments: { code: 'x' } })).messages[0]?.content.text);
const status = () => ask(async (c) => (await c.readResource({ uri: 'app://status' })).contents[0]?.text);
const note = () => ask(async (c) => (await c.readResource({ uri: 'notes://7' })).contents[0]?.text);
const completions = () =>
  ask(async (c) => [
    ...(await c.complete({ ref: { type: 'ref/resource', uri: 'notes://{id}' }, argument: { name: 'id', value: '' } }))
      .completion.values,
    ...(await c.complete({ ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'code', value: '' } }))
      .completion.values,
  ]);

test('every kind of handler: prompts, resources, templates and completions load from their own modules', async () => {
  write('handlers/prompts.js', PROMPTS('v1'));
  write('handlers/tone.js', `export const tone = 'gently';\n`);
  write('handlers/resources.js', RESOURCES('v1'));
  write('handlers/templates.js', TEMPLATES('v1'));
  write('handlers/complete.js', COMPLETIONS('v1'));
  const line = await nextReload(() => write('mcp-oauth.config.json', everyKind()));
  assert.match(
    line,
    /^reloaded in \d+ ms \(mcp-oauth\.config\.json changed\): prompts \+review -first -second; resources \+app:\/\/status; resourceTemplates \+note$/,
  );
  assert.equal(await prompt(), 'review x v1 gently');
  assert.equal(await status(), 'status v1');
  assert.equal(await note(), 'note 7 v1');
  assert.deepEqual(await completions(), ['id-v1', 'code-v1']);
});

test('editing a prompt handler reloads it; the line names the file and the prompt', async () => {
  const line = await nextReload(() => write('handlers/prompts.js', PROMPTS('v2')));
  assert.match(line, /^reloaded in \d+ ms \(handlers\/prompts\.js changed\): prompts ~review$/);
  assert.equal(await prompt(), 'review x v2 gently');
});

test('editing a module a prompt handler imports reloads it', async () => {
  const line = await nextReload(() => write('handlers/tone.js', `export const tone = 'firmly';\n`));
  assert.match(line, /^reloaded in \d+ ms \(handlers\/tone\.js changed\): prompts ~review$/);
  assert.equal(await prompt(), 'review x v2 firmly');
});

test('editing a resource handler reloads it', async () => {
  const line = await nextReload(() => write('handlers/resources.js', RESOURCES('v2')));
  assert.match(line, /^reloaded in \d+ ms \(handlers\/resources\.js changed\): resources ~app:\/\/status$/);
  assert.equal(await status(), 'status v2');
});

test('editing a resource template handler reloads it', async () => {
  const line = await nextReload(() => write('handlers/templates.js', TEMPLATES('v2')));
  assert.match(line, /^reloaded in \d+ ms \(handlers\/templates\.js changed\): resourceTemplates ~note$/);
  assert.equal(await note(), 'note 7 v2');
});

test('editing a completion handler reloads it, for the prompt and the template it completes', async () => {
  const line = await nextReload(() => write('handlers/complete.js', COMPLETIONS('v2')));
  assert.match(
    line,
    /^reloaded in \d+ ms \(handlers\/complete\.js changed\): prompts ~review; resourceTemplates ~note$/,
  );
  assert.deepEqual(await completions(), ['id-v2', 'code-v2']);
});

test('several files in one burst: one reload, the first file named and "+N more"', async () => {
  const line = await nextReload(() => {
    write('handlers/resources.js', RESOURCES('v3'));
    write('handlers/templates.js', TEMPLATES('v3'));
  });
  assert.match(
    line,
    /^reloaded in \d+ ms \(handlers\/resources\.js \+1 more changed\): resources ~app:\/\/status; resourceTemplates ~note$/,
  );
  assert.equal(await status(), 'status v3');
  assert.equal(await note(), 'note 7 v3');
});

test('a new handler that is refused (missing, then broken) is followed: creating and fixing it reloads', async () => {
  const extra = [{ name: 'fresh', handler: './handlers/fresh.js#fresh' }];
  const missing = await nextReload(() => write('mcp-oauth.config.json', everyKind(extra)));
  assert.match(
    missing,
    /^error: reload failed[\s\S]*prompts\[1\]\.handler: "\.\/handlers\/fresh\.js#fresh": no file at/,
  );
  const broken = await nextReload(() => write('handlers/fresh.js', 'export const fresh = ( =>'));
  assert.match(
    broken,
    /^error: reload failed[\s\S]*prompts\[1\]\.handler: "\.\/handlers\/fresh\.js#fresh" failed to load: /,
  );
  const fixed = await nextReload(() => write('handlers/fresh.js', `export const fresh = () => ['fresh v1'];\n`));
  assert.match(fixed, /^reloaded in \d+ ms \(handlers\/fresh\.js changed\): prompts \+fresh$/);
  assert.equal(await ask(async (c) => (await c.getPrompt({ name: 'fresh' })).messages[0]?.content.text), 'fresh v1');
});

test('the reload line: what changed, and which file asked for it', () => {
  const none = { added: [], removed: [], changed: [] };
  const changes = { tools: none, prompts: none, resources: none, resourceTemplates: none, settings: [] };
  const noCode = { tools: [], prompts: [], resources: [], resourceTemplates: [] };
  const cases: { description: string; line: string; expected: string }[] = [
    {
      description: 'asked for without a file (Runtime.reload()), nothing differs',
      line: describeReload(changes, noCode, [], 12.4),
      expected: 'reloaded in 12 ms: nothing changed',
    },
    {
      description: 'definition and code changes are one mark; an added item is not also marked changed',
      line: describeReload(
        { ...changes, tools: { added: ['new'], removed: ['old'], changed: ['edited'] }, settings: ['auth'] },
        { ...noCode, tools: ['new', 'edited', 'coded'] },
        ['a.js', 'b.js', 'c.js'],
        84,
      ),
      expected: 'reloaded in 84 ms (a.js +2 more changed): tools +new -old ~edited ~coded; auth changed',
    },
  ];
  for (const { description, line, expected } of cases) assert.equal(line, expected, description);
});
