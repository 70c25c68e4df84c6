/**
 * 2025-11-25 sessions as the fleet knows them, so that any replica serves any session:
 *
 * - `session:<id>`: a hash with the owner (a digest of the principal, never the
 *   principal itself), the `initialize` request that opened the session (a replica
 *   that has not seen the session replays it to build its own copy), and the logging
 *   level the client last set. It expires after the idle time, which every request
 *   pushes back.
 * - `sessions`: a sorted set of session ids by last use, which holds the cap fleet-wide
 *   (the session idle the longest is closed first).
 * - `session:<id>:events`: the session's SSE events, a Redis Stream trimmed to the
 *   newest `maxEvents`, so a client whose replica died resumes on another with
 *   `Last-Event-ID`. Event ids are the stream's entry ids.
 * - `subscribers:<digest of uri>`: the sessions subscribed to a resource.
 *
 * Keys built from other keys are built in the scripts, under the same prefix: a single
 * Redis or Valkey (or one primary), not a cluster.
 */
import { createHash } from 'node:crypto';
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Store } from './connection.js';

export interface SessionLimits {
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly maxEvents: number;
}

export interface SessionRecord {
  /** The digest of the owning principal (see `ownerDigest`). */
  readonly owner: string;
  /** The `initialize` request that opened the session, as the client sent it. */
  readonly initialize: JSONRPCMessage;
  /** The level of the client's last `logging/setLevel`, if any. */
  readonly level: string | undefined;
}

export interface SharedSessions {
  /** Records a session just opened; returns the ids of the sessions closed to stay under the cap. */
  register(id: string, owner: string, initialize: JSONRPCMessage): Promise<string[]>;
  lookup(id: string): Promise<SessionRecord | undefined>;
  /** Marks `id` used now (one round trip); undefined when it no longer exists, else its logging level. */
  touch(id: string): Promise<{ level: string | undefined } | undefined>;
  setLevel(id: string, level: string): Promise<void>;
  subscribe(id: string, uri: string, subscribed: boolean): Promise<void>;
  remove(id: string): Promise<void>;
  /**
   * Adds `message` to the log of every session subscribed to `uri` (one round trip),
   * and returns where it went, for the replicas holding those sessions' streams.
   */
  appendToSubscribers(uri: string, message: JSONRPCMessage): Promise<{ session: string; eventId: string }[]>;
  /** The session's event log, for its SDK transport. */
  events(id: string, preassigned: WeakMap<JSONRPCMessage, string>): SessionEventStore;
}

export interface SessionEventStore extends EventStore {
  /** While set, events are not kept (the replayed `initialize` of a copy being built). */
  discarding: boolean;
}

/** A principal as the store keeps it: a digest that names no one. */
export function ownerDigest(owner: string): string {
  return createHash('sha256').update(owner).digest('base64url');
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/** A Redis Stream entry id, the only event id a client may resume from. */
const EVENT_ID = /^\d{1,20}-\d{1,20}$/;

// KEYS: the session, the index. ARGV: id, owner, initialize, idleMs, maxSessions.
// Returns the ids evicted to stay under the cap (the caller closes them).
const REGISTER = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'initialize', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
redis.call('ZADD', KEYS[2], now, ARGV[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
local evicted = {}
if over > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #popped, 2 do evicted[#evicted + 1] = popped[i] end
end
return evicted
`;

// KEYS: the subscribers set. ARGV: key prefix, message, maxEvents.
// Returns {session, eventId, ...}; sessions that no longer exist leave the set.
const APPEND_TO_SUBSCRIBERS = `
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local session = ARGV[1] .. 'session:' .. id
  if redis.call('EXISTS', session) == 1 then
    local eventId = redis.call('XADD', session .. ':events', 'MAXLEN', '~', ARGV[3], '*', 's', '_GET_stream', 'm', ARGV[2])
    out[#out + 1] = id
    out[#out + 1] = eventId
  else
    redis.call('SREM', KEYS[1], id)
  end
end
return out
`;

export function sharedSessions(store: Store, limits: SessionLimits): SharedSessions {
  const session = (id: string) => store.key(`session:${id}`);
  const index = store.key('sessions');
  const subscribers = (uri: string) => store.key(`subscribers:${digest(uri)}`);
  return {
    async register(id, owner, initialize) {
      const evicted = await store.run((c) =>
        c.eval(REGISTER, {
          keys: [session(id), index],
          arguments: [id, owner, JSON.stringify(initialize), String(limits.idleMs), String(limits.maxSessions)],
        }),
      );
      return (evicted as string[]).filter((e) => e !== id);
    },
    async lookup(id) {
      const record = await store.run((c) => c.hGetAll(session(id)));
      if (!record['owner'] || !record['initialize']) return undefined;
      return {
        owner: record['owner'],
        initialize: JSON.parse(record['initialize']) as JSONRPCMessage,
        level: record['level'],
      };
    },
    async touch(id) {
      const [alive, level] = await store.run((c) =>
        c
          .multi()
          .pExpire(session(id), limits.idleMs)
          .hGet(session(id), 'level')
          .zAdd(index, { score: Date.now(), value: id }, { XX: true })
          .exec(),
      );
      if (Number(alive) !== 1) return undefined;
      return { level: typeof level === 'string' ? level : undefined };
    },
    async setLevel(id, level) {
      await store.run((c) => c.hSet(session(id), 'level', level));
    },
    async subscribe(id, uri, subscribed) {
      await store.run((c) => (subscribed ? c.sAdd(subscribers(uri), id) : c.sRem(subscribers(uri), id)));
    },
    async remove(id) {
      await store.run((c) =>
        c
          .multi()
          .del([session(id), `${session(id)}:events`])
          .zRem(index, id)
          .exec(),
      );
    },
    async appendToSubscribers(uri, message) {
      const reply = (await store.run((c) =>
        c.eval(APPEND_TO_SUBSCRIBERS, {
          keys: [subscribers(uri)],
          arguments: [store.keyPrefix, JSON.stringify(message), String(limits.maxEvents)],
        }),
      )) as string[];
      const out: { session: string; eventId: string }[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) out.push({ session: reply[i]!, eventId: reply[i + 1]! });
      return out;
    },
    events: (id, preassigned) => sessionEvents(store, `${session(id)}:events`, limits.maxEvents, preassigned),
  };
}

/**
 * A session's events in its Redis Stream. An event another replica already wrote (a
 * resource update fanned out by the replica where it happened) comes with its id in
 * `preassigned` and is not written twice. When the store cannot take an event, the
 * event is still sent, with an id no one can resume from.
 */
function sessionEvents(
  store: Store,
  key: string,
  maxEvents: number,
  preassigned: WeakMap<JSONRPCMessage, string>,
): SessionEventStore {
  let unkept = 0;
  const streamOf = async (eventId: string) => {
    if (!EVENT_ID.test(eventId)) return undefined;
    const [entry] = (await store.run((c) => c.xRange(key, eventId, eventId))) ?? [];
    return entry?.message['s'];
  };
  const events: SessionEventStore = {
    discarding: false,
    async storeEvent(streamId, message) {
      const known = preassigned.get(message);
      if (known) return known;
      if (events.discarding) return `unkept-${++unkept}`;
      return store
        .run((c) =>
          c.xAdd(
            key,
            '*',
            { s: streamId, m: JSON.stringify(message) },
            { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: maxEvents } },
          ),
        )
        .catch(() => `unkept-${++unkept}`);
    },
    getStreamIdForEventId: streamOf,
    async replayEventsAfter(lastEventId, { send }) {
      const streamId = await streamOf(lastEventId);
      if (streamId === undefined) throw new Error(`event ${lastEventId} is unknown or too old to replay`);
      const entries = (await store.run((c) => c.xRange(key, `(${lastEventId}`, '+'))) ?? [];
      for (const entry of entries)
        if (entry.message['s'] === streamId) await send(entry.id, JSON.parse(entry.message['m']!) as JSONRPCMessage);
      return streamId;
    },
  };
  return events;
}
