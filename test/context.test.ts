/**
 * The handler context with both SDK clients, in both ways handlers run (the main
 * thread, and a worker under --watch): log, progress, elicit, sample, cancellation.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  LOG_LEVEL_META_KEY,
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { FIXTURES } from './support/server.js';

const tool = (name: string, inputSchema: Record<string, unknown> = { type: 'object' }) => ({
  name,
  inputSchema,
  handler: `./handlers/context.js#${name}`,
});
const MANIFEST = {
  server: { name: 'context-fixture', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0 },
  auth: { provider: 'none' },
  tools: [
    tool('logs'),
    tool('steps'),
    tool('survey'),
    tool('waitForCancel'),
    tool('both'),
    tool('confirm', { type: 'object', properties: { item: { type: 'string' } }, required: ['item'] }),
    tool('haiku', { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] }),
  ],
};

interface Answers {
  elicit: (message: string) => { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> };
}

interface Connected {
  call(
    name: string,
    args?: Record<string, unknown>,
    options?: {
      onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
      signal?: AbortSignal;
    },
  ): Promise<string>;
  logs: unknown[];
  close(): Promise<void>;
}

const ROOTS = { roots: [{ uri: 'file:///work', name: 'work' }] };
const SAMPLE = {
  model: 'test-model',
  role: 'assistant' as const,
  content: { type: 'text' as const, text: 'leaves fall softly' },
};

const CLIENTS: Record<string, (url: string, answers: Answers) => Promise<Connected>> = {
  async '2026-07-28'(url, answers) {
    const client = new ModernClient(
      { name: 'ctx', version: '1.0.0' },
      {
        versionNegotiation: { mode: { pin: '2026-07-28' } },
        capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
      },
    );
    client.setRequestHandler('elicitation/create', async (request) => answers.elicit(request.params.message) as never);
    client.setRequestHandler('sampling/createMessage', async () => SAMPLE);
    client.setRequestHandler('roots/list', async () => ROOTS);
    const logs: unknown[] = [];
    client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params.data));
    await client.connect(new ModernTransport(new URL(url)));
    return {
      logs,
      // 2026-07-28 has no logging/setLevel: the level travels with each request.
      call: async (name, args = {}, options = {}) =>
        text(
          await client.callTool({ name, arguments: args, _meta: { [LOG_LEVEL_META_KEY]: 'info' } }, options as never),
        ),
      close: () => client.close(),
    };
  },
  async '2025-11-25'(url, answers) {
    const client = new LegacyClient(
      { name: 'ctx', version: '1.0.0' },
      { capabilities: { elicitation: {}, sampling: {}, roots: {} } },
    );
    client.setRequestHandler(ElicitRequestSchema, async (request) => answers.elicit(request.params.message) as never);
    client.setRequestHandler(CreateMessageRequestSchema, async () => SAMPLE);
    client.setRequestHandler(ListRootsRequestSchema, async () => ROOTS);
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
    await client.connect(new LegacyTransport(new URL(url)));
    await client.setLoggingLevel('info');
    return {
      logs,
      call: async (name, args = {}, options = {}) =>
        text(await client.callTool({ name, arguments: args }, undefined, options as never)),
      close: () => client.close(),
    };
  },
};

function text(result: unknown): string {
  const r = result as { content?: { text?: string }[]; isError?: boolean };
  return `${r.isError ? 'error: ' : ''}${r.content?.[0]?.text ?? JSON.stringify(result)}`;
}

for (const watch of [false, true]) {
  describe(watch ? 'handlers in a worker (--watch)' : 'handlers in the main thread', () => {
    let dir: string;
    let runtime: Runtime;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-ctx-'));
      cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
      writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(MANIFEST));
      runtime = await startRuntime({
        cwd: dir,
        watch,
        http: { port: 0 },
        log: createLogger({ write: () => {} }),
        drainMs: 500,
      });
    });
    after(async () => {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const [era, connect] of Object.entries(CLIENTS)) {
      test(`${era}: log, progress, elicit (one and two questions, accept and decline), sample`, async () => {
        const asked: string[] = [];
        let decline = false;
        const client = await connect(runtime.url, {
          elicit: (message) => {
            asked.push(message);
            if (decline) return { action: 'decline' };
            if (message === 'Your name?' || message === 'Name?') return { action: 'accept', content: { name: 'Ada' } };
            if (message.endsWith('your colour?')) return { action: 'accept', content: { color: 'green' } };
            return { action: 'accept', content: { ok: true } };
          },
        });
        try {
          assert.equal(await client.call('logs'), 'logged');
          assert.deepEqual(client.logs[0], { step: 'started', tool: 'logs' });
          assert.equal(client.logs.length, 1, 'debug is below the level the client set');

          const progress: string[] = [];
          assert.equal(
            await client.call(
              'steps',
              {},
              { onprogress: (p) => void progress.push(`${p.progress}/${p.total} ${p.message}`) },
            ),
            'stepped',
          );
          assert.deepEqual(progress, ['1/3 step 1', '2/3 step 2', '3/3 step 3']);

          assert.equal(await client.call('confirm', { item: 'milk' }), 'deleted milk');
          assert.deepEqual(asked, ['Delete milk?']);
          assert.equal(await client.call('survey'), 'Ada likes green');
          assert.deepEqual(asked.slice(1), ['Your name?', 'Ada, your colour?']);
          decline = true;
          assert.equal(await client.call('confirm', { item: 'eggs' }), 'kept eggs (decline)');

          assert.equal(await client.call('haiku', { topic: 'autumn' }), 'model test-model wrote: leaves fall softly');
          decline = false;
          assert.equal(await client.call('both'), 'Ada / leaves fall softly / file:///work');
        } finally {
          await client.close();
        }
      });

      test(`${era}: a cancelled call aborts the handler's signal`, async () => {
        const client = await connect(runtime.url, { elicit: () => ({ action: 'cancel' }) });
        try {
          const controller = new AbortController();
          const call = client.call('waitForCancel', {}, { signal: controller.signal });
          await new Promise((resolve) => setTimeout(resolve, 300));
          controller.abort();
          await assert.rejects(call);
          if (!watch) {
            for (
              let i = 0;
              i < 40 &&
              !((globalThis as Record<string, unknown>)['__mcpOAuthCancelled'] as string[] | undefined)?.length;
              i++
            )
              await new Promise((resolve) => setTimeout(resolve, 25));
            assert.ok(
              ((globalThis as Record<string, unknown>)['__mcpOAuthCancelled'] as string[]).includes('waitForCancel'),
            );
            ((globalThis as Record<string, unknown>)['__mcpOAuthCancelled'] as string[]).length = 0;
          }
        } finally {
          await client.close();
        }
      });
    }
  });
}

test('2026-07-28: asking a client for what it did not declare is a JSON-RPC error -32021, not a question', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-ctx-cap-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(MANIFEST));
  const runtime = await startRuntime({ cwd: dir, http: { port: 0 }, log: createLogger({ write: () => {} }) });
  const client = new ModernClient(
    { name: 'ctx', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: { form: {} } } },
  );
  try {
    await client.connect(new ModernTransport(new URL(runtime.url)));
    await assert.rejects(
      client.callTool({ name: 'haiku', arguments: { topic: 'x' } }),
      (error: { code?: number; message: string }) => error.code === -32021 && /sampling/.test(error.message),
    );
  } finally {
    await client.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
