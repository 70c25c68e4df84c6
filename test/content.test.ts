/**
 * Resources, resource templates, prompts and completion from the manifest, with both
 * SDK clients, scopes enforced like tools.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { type Authority, startAuthority } from './support/authority.js';
import { FIXTURES, manifestProblems } from './support/server.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');

const manifest = (issuer: string) => ({
  server: { name: 'content-fixture', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0 },
  auth: { provider: 'jwt', issuer },
  resources: [
    {
      uri: 'docs://readme',
      name: 'readme',
      file: './content/readme.md',
      icons: [{ src: 'https://example.com/readme.svg', theme: 'dark' }],
      annotations: { audience: ['user'], priority: 0.5 },
    },
    { uri: 'docs://hello', name: 'hello', title: 'Hello', text: 'Hello, world', scopes: ['docs:read'] },
    { uri: 'docs://logo', name: 'logo', mimeType: 'image/png', blob: PNG },
    { uri: 'docs://whoami', name: 'whoami', handler: './handlers/content.js#whoami' },
    { uri: 'docs://counter', name: 'counter', handler: './handlers/content.js#counter' },
  ],
  tools: [
    {
      name: 'bump',
      inputSchema: { type: 'object' },
      icons: [{ src: 'https://example.com/bump.png', mimeType: 'image/png', sizes: ['48x48'] }],
      handler: './handlers/content.js#bump',
    },
  ],
  resourceTemplates: [
    {
      uriTemplate: 'notes://{id}',
      name: 'note',
      description: 'A note by id',
      handler: './handlers/content.js#note',
      complete: { id: ['alpha', 'beta', 'gamma'] },
      scopes: ['notes:read'],
    },
  ],
  prompts: [
    {
      name: 'greet',
      description: 'Greet someone',
      arguments: [{ name: 'who', description: 'Whom to greet', required: true }],
      messages: [{ role: 'user', text: 'Say hello to {{who}}' }],
      complete: { who: './handlers/content.js#names' },
    },
    {
      name: 'review',
      arguments: [{ name: 'code', required: true }],
      handler: './handlers/content.js#review',
      scopes: ['prompts:use'],
    },
  ],
});

interface Api {
  listResources(): Promise<{ resources: { uri: string; name: string; mimeType?: string; title?: string }[] }>;
  listResourceTemplates(): Promise<{ resourceTemplates: { uriTemplate: string; name: string }[] }>;
  readResource(p: {
    uri: string;
  }): Promise<{ contents: { uri: string; text?: string; blob?: string; mimeType?: string }[] }>;
  listPrompts(): Promise<{
    prompts: { name: string; arguments?: { name: string; required?: boolean; description?: string }[] }[];
  }>;
  getPrompt(p: {
    name: string;
    arguments?: Record<string, string>;
  }): Promise<{ messages: { role: string; content: { type: string; text?: string } }[] }>;
  complete(p: unknown): Promise<{ completion: { values: string[] } }>;
  close(): Promise<void>;
}

const CLIENTS: Record<string, (url: string, token: string) => Promise<Api>> = {
  async '2026-07-28'(url, token) {
    const client = new ModernClient(
      { name: 'content', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    return client as unknown as Api;
  },
  async '2025-11-25'(url, token) {
    const client = new LegacyClient({ name: 'content', version: '1.0.0' });
    await client.connect(
      new LegacyTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    return client as unknown as Api;
  },
};

let authority: Authority;
let dir: string;
let runtime: Runtime;
before(async () => {
  authority = await startAuthority();
  dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-content-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  cpSync(join(FIXTURES, 'content'), join(dir, 'content'), { recursive: true });
  writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(manifest(authority.issuer)));
  runtime = await startRuntime({ cwd: dir, http: { port: 0 }, log: createLogger({ write: () => {} }) });
});
after(async () => {
  await runtime.close();
  await authority.close();
  rmSync(dir, { recursive: true, force: true });
});

const token = (scope: string, sub = 'alice') => authority.mint({ aud: runtime.url, sub, scope });
const ALL = 'docs:read notes:read prompts:use';

for (const [era, connect] of Object.entries(CLIENTS)) {
  describe(`SDK client speaking ${era}`, () => {
    test('lists resources and templates; reads text, a file (fresh on every read), a blob and a handler', async () => {
      const client = await connect(runtime.url, await token(ALL));
      try {
        const { resources } = await client.listResources();
        assert.deepEqual(
          resources.map((r) => [r.uri, r.mimeType]),
          [
            ['docs://readme', 'text/markdown'],
            ['docs://hello', 'text/plain'],
            ['docs://logo', 'image/png'],
            ['docs://whoami', undefined],
            ['docs://counter', undefined],
          ],
        );
        assert.deepEqual(
          (await client.listResourceTemplates()).resourceTemplates.map((t) => [t.name, t.uriTemplate]),
          [['note', 'notes://{id}']],
        );
        const readme = resources[0] as unknown as { icons: unknown; annotations: unknown };
        assert.deepEqual(readme.icons, [{ src: 'https://example.com/readme.svg', theme: 'dark' }]);
        assert.deepEqual(readme.annotations, { audience: ['user'], priority: 0.5 });
        const { tools } = await (
          client as unknown as { listTools(): Promise<{ tools: { name: string; icons?: unknown }[] }> }
        ).listTools();
        assert.deepEqual(tools.find((t) => t.name === 'bump')?.icons, [
          { src: 'https://example.com/bump.png', mimeType: 'image/png', sizes: ['48x48'] },
        ]);
        assert.deepEqual((await client.readResource({ uri: 'docs://hello' })).contents, [
          { uri: 'docs://hello', mimeType: 'text/plain', text: 'Hello, world' },
        ]);
        writeFileSync(join(dir, 'content', 'readme.md'), '# Readme\n\nThe first version.\n');
        assert.equal(
          (await client.readResource({ uri: 'docs://readme' })).contents[0]?.text,
          '# Readme\n\nThe first version.\n',
        );
        writeFileSync(join(dir, 'content', 'readme.md'), `# Readme\n\nEdited for ${era}.\n`);
        assert.equal(
          (await client.readResource({ uri: 'docs://readme' })).contents[0]?.text,
          `# Readme\n\nEdited for ${era}.\n`,
        );
        assert.deepEqual((await client.readResource({ uri: 'docs://logo' })).contents, [
          { uri: 'docs://logo', mimeType: 'image/png', blob: PNG },
        ]);
        assert.equal(
          (await client.readResource({ uri: 'docs://whoami' })).contents[0]?.text,
          'docs://whoami read by alice',
        );
        assert.deepEqual((await client.readResource({ uri: 'notes://beta' })).contents, [
          { uri: 'notes://beta', mimeType: 'text/markdown', text: 'note beta (note)' },
        ]);
      } finally {
        await client.close();
      }
    });

    test('prompts: arguments listed, {{argument}} substituted, a handler builds messages', async () => {
      const client = await connect(runtime.url, await token(ALL));
      try {
        const { prompts } = await client.listPrompts();
        assert.deepEqual(
          prompts.map((p) => p.name),
          ['greet', 'review'],
        );
        assert.deepEqual(prompts[0]!.arguments, [{ name: 'who', description: 'Whom to greet', required: true }]);
        assert.deepEqual((await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } })).messages, [
          { role: 'user', content: { type: 'text', text: 'Say hello to Ada' } },
        ]);
        assert.deepEqual((await client.getPrompt({ name: 'review', arguments: { code: 'x = 1' } })).messages, [
          { role: 'user', content: { type: 'text', text: 'Review this code:\nx = 1' } },
          { role: 'user', content: { type: 'text', text: 'Be brief.' } },
        ]);
        await assert.rejects(client.getPrompt({ name: 'greet', arguments: {} }), /who|required|Invalid/i);
      } finally {
        await client.close();
      }
    });

    test('completion: template variables from fixed values, prompt arguments from a handler', async () => {
      const client = await connect(runtime.url, await token(ALL));
      try {
        assert.deepEqual(
          (
            await client.complete({
              ref: { type: 'ref/resource', uri: 'notes://{id}' },
              argument: { name: 'id', value: 'b' },
            })
          ).completion.values,
          ['beta'],
        );
        assert.deepEqual(
          (await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'a' } }))
            .completion.values,
          ['Ada', 'Alan'],
        );
      } finally {
        await client.close();
      }
    });

    test('scopes: a resource, a template and a prompt are refused with 403 insufficient_scope without theirs', async () => {
      const client = await connect(runtime.url, await token('other:thing'));
      try {
        await assert.rejects(client.readResource({ uri: 'docs://hello' }), /403|insufficient_scope|Insufficient/i);
        await assert.rejects(client.readResource({ uri: 'notes://alpha' }), /403|insufficient_scope|Insufficient/i);
        await assert.rejects(
          client.getPrompt({ name: 'review', arguments: { code: 'x' } }),
          /403|insufficient_scope|Insufficient/i,
        );
        // Unscoped items stay readable; completion of a scoped template gives nothing.
        assert.equal(
          (await client.readResource({ uri: 'docs://whoami' })).contents[0]?.text,
          'docs://whoami read by alice',
        );
        assert.deepEqual(
          (
            await client.complete({
              ref: { type: 'ref/resource', uri: 'notes://{id}' },
              argument: { name: 'id', value: '' },
            })
          ).completion.values,
          [],
        );
      } finally {
        await client.close();
      }
    });
  });
}

test('2025-11-25: a session that subscribed hears notifications/resources/updated from ctx.notifyResourceUpdated; after unsubscribing, not', async () => {
  const client = new LegacyClient({ name: 'subscriber', version: '1.0.0' });
  const updates: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  await client.connect(
    new LegacyTransport(new URL(runtime.url), {
      requestInit: { headers: { Authorization: `Bearer ${await token(ALL)}` } },
    }),
  );
  try {
    await client.subscribeResource({ uri: 'docs://counter' });
    await client.callTool({ name: 'bump', arguments: {} });
    for (let i = 0; i < 40 && updates.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.deepEqual(updates, ['docs://counter']);
    await client.unsubscribeResource({ uri: 'docs://counter' });
    await client.callTool({ name: 'bump', arguments: {} });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(updates, ['docs://counter']);
  } finally {
    await client.close();
  }
});

test('2026-07-28: a listener subscribed to a resource hears its updates', async () => {
  const client = new ModernClient(
    { name: 'listener', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const updates: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
  await client.connect(
    new ModernTransport(new URL(runtime.url), {
      requestInit: { headers: { Authorization: `Bearer ${await token(ALL)}` } },
    }),
  );
  try {
    const subscription = await client.listen({ resourceSubscriptions: ['docs://counter'] });
    await client.callTool({ name: 'bump', arguments: {} });
    for (let i = 0; i < 40 && updates.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.deepEqual(updates, ['docs://counter']);
    await subscription.close();
  } finally {
    await client.close();
  }
});

test('the raw 403 for a resource names only the scope it needs', async () => {
  const response = await fetch(runtime.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${await token('notes:read')}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'docs://hello' } }),
  });
  assert.equal(response.status, 403);
  assert.match(
    response.headers.get('www-authenticate') ?? '',
    /^Bearer error="insufficient_scope", error_description="The resource docs:\/\/hello needs scope docs:read", scope="docs:read", resource_metadata="/,
  );
});

describe('manifest checks for the new sections', () => {
  const problems = (extra: Record<string, unknown>) =>
    manifestProblems({ server: { name: 'x', version: '1.0.0' }, auth: { provider: 'none' }, ...extra });

  test('every problem at once, each with its place and fix', async () => {
    const found = await problems({
      resources: [
        { uri: 'docs://a', name: 'a', text: 'x', file: './a.md' },
        { uri: 'docs://a', name: 'b', file: '../outside.md' },
        { uri: 'relative/path', name: 'c' },
      ],
      resourceTemplates: [
        { uriTemplate: 'notes://{id}', name: 't', handler: './handlers/content.js#note', complete: { ident: ['x'] } },
      ],
      prompts: [
        { name: 'p', messages: [{ role: 'user', text: 'Hi {{nmae}}' }], arguments: [{ name: 'name' }] },
        { name: 'q', handler: './handlers/content.js#missing' },
      ],
    });
    assert.deepEqual(found, [
      'resources[0]: give exactly one of text, blob, file or handler, not text and file',
      'resources[0].file: "./a.md": no file at <dir>/a.md; check the path (relative to the manifest)',
      'resources[1].uri: duplicate resource URI "docs://a" (also resources[0]); resource URIs must be unique',
      'resources[1].file: "../outside.md" points outside the manifest\'s directory; files must live beside the manifest or below it',
      'resources[2]: give the content: one of text, blob, file or handler',
      'resources[2].uri: "relative/path" is not an absolute URI; give it a scheme, e.g. "docs://relative/path"',
      'resourceTemplates[0].complete.ident: "ident" is not a variable of notes://{id} (its variables: id)',
      'prompts[0].messages[0].text: {{nmae}} is not an argument of this prompt; declare it under arguments (declared: name)',
      'prompts[1].handler: "./handlers/content.js#missing" has no export named "missing"; it exports "bump", "counter", "names", "note", "review", "whoami"',
    ]);
  });

  test('a prompt handler without its export is named once the places are right', async () => {
    assert.deepEqual(await problems({ prompts: [{ name: 'q', handler: './handlers/content.js#missing' }] }), [
      'prompts[0].handler: "./handlers/content.js#missing" has no export named "missing"; it exports "bump", "counter", "names", "note", "review", "whoami"',
    ]);
  });
});

describe('file resources are re-checked on every read', () => {
  const SECRET = 'the secret outside the manifest directory';
  let base: string;
  let served: string;
  let outside: string;
  let fileRuntime: Runtime;
  const logs: string[] = [];
  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'mcp-oauth-swap-'));
    served = join(base, 'served');
    outside = join(base, 'outside');
    mkdirSync(join(served, 'docs'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(served, 'docs', 'swap.md'), 'inside');
    writeFileSync(join(served, 'docs', 'other.md'), 'the other file inside');
    writeFileSync(join(outside, 'swap.md'), SECRET);
    writeFileSync(join(outside, 'secret.md'), SECRET);
    writeFileSync(
      join(served, 'mcp-oauth.config.json'),
      JSON.stringify({
        server: { name: 'swap-fixture', version: '1.0.0' },
        http: { host: '127.0.0.1', port: 0 },
        auth: { provider: 'jwt', issuer: authority.issuer },
        resources: [{ uri: 'docs://swap', name: 'swap', file: './docs/swap.md' }],
      }),
    );
    fileRuntime = await startRuntime({
      cwd: served,
      http: { port: 0 },
      log: createLogger({ write: (line) => logs.push(line) }),
    });
  });
  after(async () => {
    await fileRuntime.close();
    rmSync(base, { recursive: true, force: true });
  });

  /** Puts the fixture back: docs/ a directory, docs/swap.md a file inside. */
  function restore(): void {
    rmSync(join(served, 'docs'), { recursive: true, force: true });
    mkdirSync(join(served, 'docs'));
    writeFileSync(join(served, 'docs', 'swap.md'), 'inside');
    writeFileSync(join(served, 'docs', 'other.md'), 'the other file inside');
  }

  /** Reads docs://swap with a 2025-11-25 POST: the text, or the JSON-RPC error message. */
  async function readSwap(): Promise<string> {
    const response = await fetch(fileRuntime.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${await authority.mint({ aud: fileRuntime.url })}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'docs://swap' } }),
    });
    const text = await response.text();
    const data = text.split('\n').find((l) => l.startsWith('data:'));
    const message = JSON.parse(data ? data.slice(5) : text) as {
      result?: { contents: { text: string }[] };
      error?: { message: string };
    };
    return message.result?.contents[0]?.text ?? `error: ${message.error?.message}`;
  }

  /** The log lines since `from`: exactly one, naming the resource, without a stack. */
  function oneLogLine(from: number, pattern: RegExp): void {
    const lines = logs.slice(from);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, pattern);
    assert.ok(!lines[0]!.includes('\n'), lines[0]);
  }

  for (const [era, connect] of Object.entries(CLIENTS)) {
    test(`${era}: swap.md replaced by a symlink to a file outside → a resource error, never its content`, async () => {
      const client = await connect(fileRuntime.url, await authority.mint({ aud: fileRuntime.url }));
      try {
        assert.equal((await client.readResource({ uri: 'docs://swap' })).contents[0]?.text, 'inside');
        rmSync(join(served, 'docs', 'swap.md'));
        symlinkSync(join(outside, 'secret.md'), join(served, 'docs', 'swap.md'));
        const from = logs.length;
        await assert.rejects(
          client.readResource({ uri: 'docs://swap' }),
          /Reading docs:\/\/swap failed: it leads outside the server's directory/,
        );
        oneLogLine(
          from,
          /^error: resource docs:\/\/swap not read: docs\/swap\.md now leads outside the manifest's directory \(to .*\/outside\/secret\.md\); a file resource must stay a file inside the manifest's directory$/,
        );
      } finally {
        await client.close();
        restore();
      }
    });

    test(`${era}: the whole docs/ directory replaced by a symlink to a directory outside → a resource error`, async () => {
      const client = await connect(fileRuntime.url, await authority.mint({ aud: fileRuntime.url }));
      try {
        rmSync(join(served, 'docs'), { recursive: true });
        symlinkSync(outside, join(served, 'docs'));
        const from = logs.length;
        await assert.rejects(
          client.readResource({ uri: 'docs://swap' }),
          /Reading docs:\/\/swap failed: it leads outside the server's directory/,
        );
        oneLogLine(
          from,
          /not read: docs\/swap\.md now leads outside the manifest's directory \(to .*\/outside\/swap\.md\)/,
        );
      } finally {
        await client.close();
        restore();
      }
    });
  }

  test('links that stay inside are still followed, as at load; a missing file is a resource error without a path', async () => {
    rmSync(join(served, 'docs', 'swap.md'));
    symlinkSync('other.md', join(served, 'docs', 'swap.md'));
    assert.equal(await readSwap(), 'the other file inside');
    rmSync(join(served, 'docs', 'swap.md'));
    const from = logs.length;
    assert.equal(await readSwap(), 'error: Reading docs://swap failed: the file is missing');
    oneLogLine(from, /not read: docs\/swap\.md is missing/);
    restore();
    assert.equal(await readSwap(), 'inside');
  });

  test('while docs/ flips between a link inside and a link outside, no read serves the outside file', async () => {
    // docs → a directory inside, or → the one outside, swapped atomically (rename over a link) by another process.
    rmSync(join(served, 'docs'), { recursive: true });
    mkdirSync(join(served, 'real-docs'));
    writeFileSync(join(served, 'real-docs', 'swap.md'), 'inside');
    symlinkSync('real-docs', join(served, 'docs'));
    const flipper = spawn(
      process.execPath,
      [
        '-e',
        `
      const { symlinkSync, renameSync, rmSync } = require('node:fs');
      const [docs, inside, outside] = process.argv.slice(1);
      for (let i = 0; ; i++) {
        const next = docs + '.next';
        rmSync(next, { force: true });
        symlinkSync(i % 2 ? inside : outside, next);
        renameSync(next, docs);
      }`,
        join(served, 'docs'),
        'real-docs',
        outside,
      ],
      { stdio: 'ignore' },
    );
    try {
      const answers = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const answer = await readSwap();
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
      }
      assert.ok(!answers.has(SECRET), `the outside file was served: ${JSON.stringify([...answers])}`);
      assert.ok(
        [...answers.keys()].every((a) => a === 'inside' || a.startsWith('error: Reading docs://swap failed: ')),
        JSON.stringify([...answers]),
      );
    } finally {
      flipper.kill();
      await new Promise((resolve) => flipper.once('exit', resolve));
      rmSync(join(served, 'docs'), { force: true });
      rmSync(join(served, 'real-docs'), { recursive: true, force: true });
      rmSync(join(served, 'docs.next'), { force: true });
      restore();
    }
  });
});
