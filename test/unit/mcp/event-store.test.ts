/**
 * The per-session event store behind `Last-Event-ID` resumption (2025-11-25 Streamable
 * HTTP): ids unique across streams, replay of one stream after an id, at most
 * `maxEvents` kept (oldest dropped), and an unknown or dropped id refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { createEventStore } from '../../../src/mcp/event-store.js';

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { n } });

/** What a replay after `id` sends, as [event id, n], and the stream it answers with. */
async function replay(store: EventStore, id: string): Promise<{ streamId: string; sent: [string, unknown][] }> {
  const sent: [string, unknown][] = [];
  const streamId = await store.replayEventsAfter(id, {
    send: async (eventId, message) => {
      sent.push([eventId, (message as { params?: { n?: number } }).params?.n]);
    },
  });
  return { streamId, sent };
}

describe('createEventStore', () => {
  test('ids name their stream and are unique across streams, in storing order', async () => {
    const store = createEventStore(10);
    const ids = [
      await store.storeEvent('a', note(1)),
      await store.storeEvent('b', note(2)),
      await store.storeEvent('a', note(3)),
    ];
    assert.deepEqual(ids, ['a:1', 'b:2', 'a:3']);
    assert.deepEqual(await Promise.all(ids.map((id) => store.getStreamIdForEventId!(id))), ['a', 'b', 'a']);
  });

  test("replay after an id: that stream's later events, in order, not the other stream's", async () => {
    const store = createEventStore(10);
    const first = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(2));
    await store.storeEvent('a', note(3));
    await store.storeEvent('b', note(4));
    await store.storeEvent('a', note(5));
    assert.deepEqual(await replay(store, first), {
      streamId: 'a',
      sent: [
        ['a:3', 3],
        ['a:5', 5],
      ],
    });
  });

  test('replay after the latest id: nothing to send, the stream still named', async () => {
    const store = createEventStore(10);
    await store.storeEvent('a', note(1));
    const last = await store.storeEvent('a', note(2));
    assert.deepEqual(await replay(store, last), { streamId: 'a', sent: [] });
  });

  test('bounded: beyond maxEvents the oldest is dropped, and no longer replayable', async () => {
    const store = createEventStore(2);
    const oldest = await store.storeEvent('a', note(1));
    const kept = await store.storeEvent('a', note(2));
    await store.storeEvent('a', note(3));
    assert.equal(await store.getStreamIdForEventId!(oldest), undefined);
    await assert.rejects(replay(store, oldest), { message: 'event a:1 is unknown or too old to replay' });
    assert.deepEqual(await replay(store, kept), { streamId: 'a', sent: [['a:3', 3]] });
  });

  test('an unknown id: no stream, and a replay is refused', async () => {
    const store = createEventStore(10);
    await store.storeEvent('a', note(1));
    assert.equal(await store.getStreamIdForEventId!('a:99'), undefined);
    await assert.rejects(replay(store, 'a:99'), { message: 'event a:99 is unknown or too old to replay' });
  });

  test('a stored message is replayed as it was', async () => {
    const store = createEventStore(10);
    const first = await store.storeEvent('s', note(1));
    const message: JSONRPCMessage = { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'hi' }] } };
    await store.storeEvent('s', message);
    const sent: JSONRPCMessage[] = [];
    await store.replayEventsAfter(first, { send: async (_id, m) => void sent.push(m) });
    assert.deepEqual(sent, [message]);
  });
});
