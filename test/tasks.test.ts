/**
 * Tasks (the tasks extension, SEP-2663) on one server: a call that becomes a task is
 * polled to its result, cancelled (its handler's signal fires), asked questions that
 * tasks/update answers, kept from other principals and from tokens without the tool's
 * scopes, removed when its ttl ends, and bounded per caller and overall. Real JWTs
 * from a real JWKS, the SDK's 2026-07-28 client for the tasks methods.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Authority, startAuthority } from './support/authority.js';
import { connectModern } from './support/clients.js';
import { serveManifest, type TestServer } from './support/server.js';
import { type TaskClient, taskClient } from './support/tasks.js';

const task = (support: 'optional' | 'required', ttlMs = 60_000) => ({
  execution: { taskSupport: support, ttlMs, pollIntervalMs: 100 },
});

describe('tasks', () => {
  let authority: Authority;
  let server: TestServer;
  const clients: TaskClient[] = [];
  before(async () => {
    authority = await startAuthority();
    server = await serveManifest({
      server: { name: 'tasks', version: '1.0.0' },
      http: { host: '127.0.0.1', port: 0 },
      auth: { provider: 'jwt', issuer: authority.issuer },
      tasks: { maxLive: 3, maxLivePerCaller: 2 },
      tools: [
        {
          name: 'work',
          inputSchema: { type: 'object', properties: { ms: { type: 'number' }, label: { type: 'string' } } },
          scopes: ['jobs:run'],
          ...task('optional'),
          handler: './handlers/tasks.js#work',
        },
        {
          name: 'export_all',
          inputSchema: { type: 'object', properties: { ms: { type: 'number' }, label: { type: 'string' } } },
          ...task('required'),
          handler: './handlers/tasks.js#work',
        },
        {
          name: 'short_lived',
          inputSchema: { type: 'object', properties: { ms: { type: 'number' }, label: { type: 'string' } } },
          ...task('optional', 1_000),
          handler: './handlers/tasks.js#work',
        },
        {
          name: 'confirm',
          inputSchema: { type: 'object' },
          ...task('optional'),
          handler: './handlers/tasks.js#confirm',
        },
        {
          name: 'ask_first',
          inputSchema: { type: 'object' },
          ...task('required'),
          handler: './handlers/tasks.js#askFirst',
        },
        { name: 'huge', inputSchema: { type: 'object' }, ...task('optional'), handler: './handlers/tasks.js#huge' },
        {
          name: 'bad_shape',
          inputSchema: { type: 'object' },
          outputSchema: { type: 'object', properties: { count: { type: 'number' } }, required: ['count'] },
          ...task('optional'),
          handler: './handlers/tasks.js#badShape',
        },
        { name: 'happenings', inputSchema: { type: 'object' }, handler: './handlers/tasks.js#happenings' },
      ],
    });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await server?.close();
    await authority?.close();
  });

  const token = (sub: string, scope = 'jobs:run') => authority.mint({ aud: server.url, sub, scope });
  const client = async (sub: string, options: { scope?: string; declare?: boolean } = {}) => {
    const c = await taskClient(server.url, await token(sub, options.scope), options.declare ?? true);
    clients.push(c);
    return c;
  };
  const happenings = async () => {
    const modern = await connectModern(server.url, await token('observer'));
    const result = await modern.callTool('happenings');
    await modern.close();
    return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, unknown>[];
  };

  test('a call becomes a task, kept before the answer, polled to its inlined result', async () => {
    const ada = await client('ada');
    const { status, body } = await ada.call('work', { ms: 300, label: 'poll' });
    assert.equal(status, 200);
    const created = body['result'];
    assert.equal(created.resultType, 'task');
    assert.equal(created.status, 'working');
    assert.match(created.taskId, /^[\w-]{22}$/, 'a random 128-bit id');
    assert.ok(Number.isInteger(created.ttlMs) && Number.isInteger(created.pollIntervalMs));
    assert.ok(
      !('content' in created) && !('isError' in created),
      `a CreateTaskResult only: ${JSON.stringify(created)}`,
    );
    // Durable before the answer: the first poll finds it, and ctx.progress shows as its status message.
    const working = await ada.get(created.taskId);
    assert.equal(working.status, 'working');
    assert.equal(working.statusMessage, 'poll: step 1 of 2');
    const done = await ada.settled(created.taskId);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.result.content, [{ type: 'text', text: 'poll done after 300 ms' }]);
  });

  test('without the extension: an optional tool runs as a call, a required one is -32021, tasks/* are -32021', async () => {
    const plain = await client('bob', { declare: false });
    const sync = await plain.call('work', { ms: 100, label: 'sync' });
    assert.equal(sync.body['result'].resultType, 'complete');
    assert.deepEqual(sync.body['result'].content, [{ type: 'text', text: 'sync done after 100 ms' }]);
    const required = await plain.call('export_all', {});
    assert.equal(required.status, 400);
    assert.equal(required.body['error'].code, -32021);
    assert.deepEqual(required.body['error'].data, {
      requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } },
    });
    await assert.rejects(plain.get('anything'), (e: { code?: number }) => e.code === -32021);
    await assert.rejects(plain.cancel('anything'), (e: { code?: number }) => e.code === -32021);
  });

  test('a call that ends in its first moments is answered as a call', async () => {
    const ada = await client('ada');
    const { body } = await ada.call('work', { label: 'instant' });
    assert.equal(body['result'].resultType, 'complete');
    assert.deepEqual(body['result'].content, [{ type: 'text', text: 'instant done after 0 ms' }]);
  });

  test('tasks/cancel aborts the handler, acks empty and idempotently; unknown ids are -32602', async () => {
    const ada = await client('ada');
    const { body } = await ada.call('work', { ms: 30_000, label: 'to-cancel' });
    const id = body['result'].taskId;
    const bare = (ack: Record<string, unknown>) => Object.keys(ack).filter((key) => key !== '_meta');
    assert.deepEqual(bare(await ada.cancel(id)), [], 'an empty ack');
    assert.deepEqual(bare(await ada.cancel(id)), [], 'the same ack once cancelled');
    const cancelled = await ada.get(id);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(!('result' in cancelled) && !('error' in cancelled));
    assert.ok(
      (await happenings()).some((h) => h['label'] === 'to-cancel' && String(h['aborted']).includes('cancelled')),
      'the handler saw its signal abort',
    );
    await assert.rejects(ada.get('no-such-task'), (e: { code?: number }) => e.code === -32602);
    await assert.rejects(ada.cancel('no-such-task'), (e: { code?: number }) => e.code === -32602);
  });

  test("ctx.elicit becomes the task's input request, answered through tasks/update", async () => {
    const ada = await client('ada');
    const { body } = await ada.call('confirm', { item: 'report.pdf' });
    const id = body['result'].taskId;
    const waiting = await ada.reaches(id, 'input_required');
    assert.deepEqual(Object.keys(waiting.inputRequests), ['ok']);
    assert.equal(waiting.inputRequests.ok.method, 'elicitation/create');
    assert.equal(waiting.inputRequests.ok.params.message, 'Delete report.pdf?');
    // An answer to a key never asked is ignored; the task still waits.
    await ada.update(id, { other: { action: 'accept', content: { ok: true } } });
    assert.equal((await ada.get(id)).status, 'input_required');
    const ack = await ada.update(id, { ok: { action: 'accept', content: { ok: true } } });
    assert.deepEqual(
      Object.keys(ack).filter((key) => key !== '_meta'),
      [],
    );
    const done = await ada.settled(id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.result.content, [{ type: 'text', text: 'deleted report.pdf' }]);
  });

  test('a question asked with beforeTask is an input-required round of the call; the retry becomes the task', async () => {
    const ada = await client('ada');
    const first = (await ada.call('ask_first')).body['result'];
    assert.equal(first.resultType, 'input_required');
    assert.ok(!('taskId' in first));
    assert.deepEqual(Object.keys(first.inputRequests), ['go']);
    const retry = await ada.call(
      'ask_first',
      {},
      { inputResponses: { go: { action: 'accept', content: { go: true } } }, requestState: first.requestState },
    );
    const created = retry.body['result'];
    assert.equal(created.resultType, 'task');
    assert.ok(!('requestState' in created));
    assert.deepEqual((await ada.settled(created.taskId)).result.content, [{ type: 'text', text: 'exported' }]);
  });

  test("another principal, or a token without the tool's scopes, gets what an unknown id gets", async () => {
    const ada = await client('ada');
    const id = (await ada.call('work', { ms: 2_000, label: 'private' })).body['result'].taskId;
    const eve = await client('eve');
    const unknown = await eve.get('no-such-task').catch((e: Error) => e);
    for (const attempt of [eve.get(id), eve.cancel(id), eve.update(id, {})]) {
      const refused = await attempt.catch((e: Error) => e);
      assert.ok(refused instanceof Error);
      assert.deepEqual(
        [(refused as { code?: number }).code, refused.message],
        [(unknown as { code?: number }).code, (unknown as Error).message],
      );
    }
    const unscoped = await client('ada', { scope: 'other' });
    await assert.rejects(unscoped.get(id), (e: { code?: number }) => e.code === -32602);
    assert.equal((await ada.get(id)).status, 'working', 'the owner still sees it');
    await ada.cancel(id);
  });

  test('a task is removed when its ttl ends, and its handler aborted', async () => {
    const ada = await client('ada');
    const id = (await ada.call('short_lived', { ms: 30_000, label: 'expiring' })).body['result'].taskId;
    assert.equal((await ada.get(id)).status, 'working');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await assert.rejects(ada.get(id), (e: { code?: number }) => e.code === -32602);
    assert.ok((await happenings()).some((h) => h['label'] === 'expiring' && String(h['aborted']).includes('ttl')));
  });

  test('results too large end failed; results that break the output schema end as tool errors', async () => {
    const ada = await client('ada');
    const huge = await ada.settled((await ada.call('huge')).body['result'].taskId);
    assert.equal(huge.status, 'failed');
    assert.equal(huge.error.code, -32603);
    assert.match(huge.error.message, /^The result is \d+ bytes, more than the 4194304 a task keeps$/);
    const bad = await ada.settled((await ada.call('bad_shape')).body['result'].taskId);
    assert.equal(bad.status, 'completed');
    assert.equal(bad.result.isError, true);
    assert.match(bad.result.content[0].text, /^Output validation error/);
  });

  test('live tasks are bounded per caller and overall, with an error naming the bound', async () => {
    const [carol, dan, erin] = [await client('carol'), await client('dan'), await client('erin')];
    const ids = [
      (await carol.call('work', { ms: 30_000, label: 'cap-1' })).body['result'].taskId,
      (await carol.call('work', { ms: 30_000, label: 'cap-2' })).body['result'].taskId,
    ];
    // A tool error the model can read, as any refusal of a tool's call.
    const third = (await carol.call('work', { ms: 30_000, label: 'cap-3' })).body['result'];
    assert.equal(third.isError, true);
    assert.match(third.content[0].text, /tasks\.maxLivePerCaller/);
    const danTask = (await dan.call('work', { ms: 30_000, label: 'cap-4' })).body['result'].taskId;
    const erins = (await erin.call('work', { ms: 30_000, label: 'cap-5' })).body['result'];
    assert.match(erins.content[0].text, /tasks\.maxLive\)/);
    await carol.cancel(ids[0]);
    const again = (await carol.call('work', { ms: 30_000, label: 'cap-6' })).body['result'];
    assert.equal(again.resultType, 'task', 'an ended task frees its place');
    for (const [c, id] of [
      [carol, ids[1]],
      [carol, again.taskId],
      [dan, danTask],
    ] as const)
      await c.cancel(id);
  });
});
