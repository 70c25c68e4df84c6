/**
 * A bounded, in-memory event store for one 2025-11-25 session: what the server sent
 * on its SSE streams, so a client whose stream dropped can reconnect with
 * `Last-Event-ID` and receive what it missed. The oldest events are dropped first.
 */
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

export function createEventStore(maxEvents: number): EventStore {
  const events = new Map<EventId, { streamId: StreamId; message: JSONRPCMessage }>();
  let sequence = 0;
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}:${++sequence}`;
      events.set(id, { streamId, message });
      // Maps keep insertion order: the first key is the oldest event.
      if (events.size > maxEvents) events.delete(events.keys().next().value!);
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.get(eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = events.get(lastEventId);
      if (!last) throw new Error(`event ${lastEventId} is unknown or too old to replay`);
      let after = false;
      for (const [id, event] of events) {
        if (after && event.streamId === last.streamId) await send(id, event.message);
        if (id === lastEventId) after = true;
      }
      return last.streamId;
    },
  };
}
