/**
 * The fleet's session records on a real redis-server, with small limits: the cap holds
 * across every replica (the session idle the longest goes first), a record expires
 * once idle, a use pushes the expiry back, and an event log replays only its own
 * stream after the given event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { createLogger } from '../src/log.js';
import { openStore, type Store } from '../src/store/connection.js';
import { sharedSessions } from '../src/store/sessions.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from './support/redis.js';
import { eventually } from './support/replicas.js';

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: {} } as JSONRPCMessage;

describe('session records in the shared store', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let store: Store;
  before(async () => {
    redis = await startRedis();
    store = openStore({ url: redis.url, keyPrefix: 'test:' }, createLogger({ level: 'error', write: () => {} }));
    await eventually('the store', async () => store.health().up);
  });
  after(async () => {
    await store?.close();
    await redis?.close();
  });

  test('the cap holds fleet-wide: opening one more evicts the session idle the longest', async () => {
    const sessions = sharedSessions(store, { maxSessions: 2, idleMs: 60_000, maxEvents: 100 });
    assert.deepEqual(await sessions.register('a', 'owner', INIT), []);
    await sleep(5);
    assert.deepEqual(await sessions.register('b', 'owner', INIT), []);
    await sleep(5);
    // a is used again: b is now the one idle the longest.
    assert.ok(await sessions.touch('a'));
    assert.deepEqual(await sessions.register('c', 'owner', INIT), ['b']);
    assert.equal((await sessions.lookup('a'))?.owner, 'owner');
    await sessions.remove('b');
    assert.equal(await sessions.lookup('b'), undefined);
    assert.equal(await sessions.touch('b'), undefined);
  });

  test('a record expires once idle; each use pushes the expiry back', async () => {
    const sessions = sharedSessions(store, { maxSessions: 10, idleMs: 400, maxEvents: 100 });
    await sessions.register('idle', 'owner', INIT);
    await sessions.register('used', 'owner', INIT);
    for (let i = 0; i < 4; i++) {
      await sleep(150);
      assert.ok(await sessions.touch('used'), `used, round ${i}`);
    }
    assert.equal(await sessions.touch('idle'), undefined);
    assert.equal(await sessions.lookup('idle'), undefined);
    await sessions.setLevel('used', 'debug');
    assert.deepEqual(await sessions.touch('used'), { level: 'debug' });
  });

  test("a session's log replays only the resumed stream, after the given event; unknown ids are refused", async () => {
    const sessions = sharedSessions(store, { maxSessions: 10, idleMs: 60_000, maxEvents: 100 });
    const events = sessions.events('log', new WeakMap());
    const note = (n: number) => ({ jsonrpc: '2.0', method: 'notifications/message', params: { n } }) as JSONRPCMessage;
    const first = await events.storeEvent('_GET_stream', note(1));
    await events.storeEvent('other', note(2));
    await events.storeEvent('_GET_stream', note(3));
    const replayed: unknown[] = [];
    const stream = await events.replayEventsAfter(first, { send: async (_, message) => void replayed.push(message) });
    assert.equal(stream, '_GET_stream');
    assert.deepEqual(replayed, [note(3)]);
    assert.equal(await events.getStreamIdForEventId!('not-an-id'), undefined);
    assert.equal(await events.getStreamIdForEventId!('1-1'), undefined);
    await assert.rejects(events.replayEventsAfter('1-1', { send: async () => {} }), /unknown or too old/);
  });
});
