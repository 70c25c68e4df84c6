/**
 * Tasks across replicas sharing a real redis-server: a task created on one replica is
 * polled, answered and cancelled on another (the cancel reaches the replica running
 * its handler; the last answer runs the handler where it lands), the caps hold for the
 * fleet, other principals are refused everywhere, and a task whose replica dies ends
 * failed instead of working forever.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Authority, startAuthority } from './support/authority.js';
import { connectModern } from './support/clients.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from './support/redis.js';
import { allReady, eventually, type Replica, type Replicas, readiness, startReplicas } from './support/replicas.js';
import { type TaskClient, taskClient } from './support/tasks.js';

const execution = { taskSupport: 'optional', ttlMs: 120_000, pollIntervalMs: 100 };

describe('tasks shared by replicas', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let authority: Authority;
  let fleet: Replicas;
  const clients: TaskClient[] = [];
  before(async () => {
    // Persistent, as a production Redis is: a task outlives its restart.
    redis = await startRedis({ persistent: true });
    authority = await startAuthority();
    fleet = await startReplicas(2, (publicUrl) => ({
      server: { name: 'fleet-tasks', version: '1.0.0' },
      http: { host: '127.0.0.1', port: 0, publicUrl },
      auth: { provider: 'jwt', issuer: authority.issuer },
      store: { url: redis.url },
      tasks: { maxLivePerCaller: 2 },
      tools: [
        { name: 'work', inputSchema: { type: 'object' }, execution, handler: './handlers/tasks.js#work' },
        { name: 'confirm', inputSchema: { type: 'object' }, execution, handler: './handlers/tasks.js#confirm' },
        { name: 'happenings', inputSchema: { type: 'object' }, handler: './handlers/tasks.js#happenings' },
      ],
    }));
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await fleet?.close();
    await authority?.close();
    await redis?.close();
  });

  const token = (sub: string) => authority.mint({ aud: fleet.url, sub, scope: 'jobs:run' });
  /** A client of one replica, past the balancer, or of the balancer itself. */
  const client = async (sub: string, at: Replica | string) => {
    const c = await taskClient(typeof at === 'string' ? at : at.url, await token(sub));
    clients.push(c);
    return c;
  };
  /** What the fixture handlers recorded in `replica`'s process. */
  const happenings = async (replica: Replica) => {
    const modern = await connectModern(replica.url, await token('observer'));
    const result = await modern.callTool('happenings');
    await modern.close();
    return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, unknown>[];
  };

  test("a task created on one replica is polled and cancelled on another, which stops the first's handler", async () => {
    const [one, two] = fleet.replicas as [Replica, Replica];
    const onOne = await client('ada', one);
    const onTwo = await client('ada', two);
    const id = (await onOne.call('work', { ms: 60_000, label: 'fleet-cancel' })).body['result'].taskId;
    assert.equal((await onTwo.get(id)).status, 'working');
    await onTwo.cancel(id);
    assert.equal((await onOne.get(id)).status, 'cancelled');
    await eventually('the handler on the first replica aborted', async () =>
      (await happenings(one)).some((h) => h['label'] === 'fleet-cancel' && String(h['aborted']).includes('cancelled')),
    );
  });

  test('the last answer, on another replica, runs the handler there to the result', async () => {
    const [one, two] = fleet.replicas as [Replica, Replica];
    const onOne = await client('ada', one);
    const onTwo = await client('ada', two);
    const id = (await onOne.call('confirm', { item: 'fleet-answer' })).body['result'].taskId;
    const waiting = await onTwo.reaches(id, 'input_required');
    assert.deepEqual(Object.keys(waiting.inputRequests), ['ok']);
    await onTwo.update(id, { ok: { action: 'accept', content: { ok: true } } });
    const done = await onOne.settled(id);
    assert.deepEqual(done.result.content, [{ type: 'text', text: 'deleted fleet-answer' }]);
    assert.ok((await happenings(two)).some((h) => h['label'] === 'fleet-answer' && h['finished']));
    assert.ok(!(await happenings(one)).some((h) => h['label'] === 'fleet-answer' && h['finished']));
  });

  test("another principal gets an unknown id's answer on every replica", async () => {
    const [one, two] = fleet.replicas as [Replica, Replica];
    const id = (await (await client('ada', one)).call('work', { ms: 5_000, label: 'fleet-private' })).body['result']
      .taskId;
    for (const replica of [one, two]) {
      const eve = await client('eve', replica);
      await assert.rejects(
        eve.get(id),
        (e: Error & { code?: number }) => e.code === -32602 && /not found/.test(e.message),
      );
      await assert.rejects(eve.cancel(id), (e: { code?: number }) => e.code === -32602);
    }
    await (await client('ada', two)).cancel(id);
  });

  test('the per-caller cap holds across the fleet', async () => {
    const carol = await client('carol', fleet.url);
    const from = fleet.served.length;
    const ids = [];
    for (const label of ['cap-a', 'cap-b'])
      ids.push((await carol.call('work', { ms: 60_000, label })).body['result'].taskId);
    const third = (await carol.call('work', { ms: 60_000, label: 'cap-c' })).body['result'];
    assert.equal(third.isError, true);
    assert.match(third.content[0].text, /tasks\.maxLivePerCaller/);
    assert.deepEqual(new Set(fleet.served.slice(from)), new Set([0, 1]), 'the calls went to both replicas');
    for (const id of ids) await carol.cancel(id);
  });

  test('Redis down: tasks/* get 503 with Retry-After, and the task is there once it is back', async () => {
    const one = fleet.replicas[0]!;
    const ada = await client('ada', one);
    const id = (await ada.call('work', { ms: 60_000, label: 'outage' })).body['result'].taskId;
    await redis.stop();
    try {
      await eventually('the store seen down', async () => (await readiness(one)).status === 503, 5_000);
      const during = await fetch(one.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await token('ada')}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tasks/get',
          'mcp-name': id,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tasks/get',
          params: {
            taskId: id,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
            },
          },
        }),
      });
      assert.equal(during.status, 503);
      assert.ok(Number(during.headers.get('retry-after')) >= 1);
      assert.equal(((await during.json()) as { error: string }).error, 'temporarily_unavailable');
    } finally {
      await redis.start();
    }
    await allReady(fleet, 'ready again');
    assert.equal((await ada.get(id)).status, 'working');
    await ada.cancel(id);
    assert.equal((await ada.get(id)).status, 'cancelled');
  });

  test('a task whose replica dies ends failed on the next poll elsewhere', async () => {
    const doomed = await fleet.startExtra();
    const onDoomed = await client('ada', doomed);
    const id = (await onDoomed.call('work', { ms: 60_000, label: 'orphan' })).body['result'].taskId;
    await doomed.kill();
    const survivor = await client('ada', fleet.replicas[0]!);
    assert.equal((await survivor.get(id)).status, 'working', 'its hold lasts a while');
    const failed = await survivor.settled(id, 20_000);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, -32603);
    assert.match(failed.error.message, /replica running this task stopped/);
  });
});
