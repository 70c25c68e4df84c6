/**
 * Tasks as the fleet knows them, so that any replica answers `tasks/get`,
 * `tasks/update` and `tasks/cancel`:
 *
 * - `task:<id>`: a hash. Fixed at creation: `owner` (a digest of the principal),
 *   `tool`, `args`, `createdAt`, `ttlMs`, `pollIntervalMs`. Then `status`,
 *   `statusMessage`, `lastUpdatedAt`, `result` or `error` once it ends, one `ask:<key>`
 *   per question outstanding and one `answer:<key>` per answer given. It expires with
 *   the task's ttl.
 * - `task:<id>:hold`: set by the replica running the handler and renewed while it runs;
 *   a `working` task without it has lost its runner.
 * - `tasks:live` and `tasks:live:<owner>`: sorted sets of the tasks not yet ended, by
 *   expiry, which hold the `tasks` bounds fleet-wide.
 *
 * Every change is one Lua script, so a task that ended (cancelled, say) stays as it
 * ended whatever its handler does next.
 */

import type { Store } from '../store/connection.js';
import {
  type CapExceeded,
  TASK_LIMITS,
  type TaskChange,
  type TaskRecord,
  type TaskStatus,
  type TaskStore,
} from './record.js';

// KEYS: task, live, live of its owner, hold. ARGV: id, ttlMs, maxLive, maxLivePerCaller, holdMs, field, value, ...
const CREATE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 'all' end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 'caller' end
local expires = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], expires, ARGV[1])
redis.call('ZADD', KEYS[3], expires, ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[2], 'GT')
if redis.call('PTTL', KEYS[3]) < 0 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[5])
return 'ok'
`;

// KEYS: task, live, live of its owner. ARGV: id, ends ('1' or '0'), field, value, ...
const CHANGE = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s or s == 'completed' or s == 'failed' or s == 'cancelled' then return 0 end
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 4) == 'ask:' then redis.call('HDEL', KEYS[1], f) end
end
redis.call('HDEL', KEYS[1], 'statusMessage')
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if ARGV[2] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return 1
`;

// KEYS: task, hold. ARGV: now, holdMs, key, answer, ...
// Returns -1 (ended or gone), 0 (questions left), 1 (all answered: working again, held by the caller).
const ANSWER = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s or s == 'completed' or s == 'failed' or s == 'cancelled' then return -1 end
if s ~= 'input_required' then return 0 end
local any = false
for i = 3, #ARGV, 2 do
  if redis.call('HDEL', KEYS[1], 'ask:' .. ARGV[i]) == 1 then
    redis.call('HSET', KEYS[1], 'answer:' .. ARGV[i], ARGV[i + 1])
    any = true
  end
end
if not any then return 0 end
redis.call('HSET', KEYS[1], 'lastUpdatedAt', ARGV[1])
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 4) == 'ask:' then return 0 end
end
redis.call('HSET', KEYS[1], 'status', 'working')
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 1
`;

export function sharedTasks(store: Store): TaskStore {
  const task = (id: string) => store.key(`task:${id}`);
  const hold = (id: string) => store.key(`task:${id}:hold`);
  const live = store.key('tasks:live');
  const liveOf = (owner: string) => store.key(`tasks:live:${owner}`);
  // The owner of each task this replica touched, for the live sets (fixed at creation).
  const owners = new Map<string, string>();
  const ownerOf = async (id: string) => {
    const known = owners.get(id);
    if (known !== undefined) return known;
    const found = await store.run((c) => c.hGet(task(id), 'owner'));
    return typeof found === 'string' ? found : undefined;
  };
  return {
    async create(record, caps) {
      owners.set(record.id, record.owner);
      const fields = [
        ['owner', record.owner],
        ['tool', record.tool],
        ['args', JSON.stringify(record.args)],
        ['status', record.status],
        ...(record.statusMessage === undefined ? [] : [['statusMessage', record.statusMessage]]),
        ['createdAt', String(record.createdAt)],
        ['lastUpdatedAt', String(record.lastUpdatedAt)],
        ['ttlMs', String(record.ttlMs)],
        ['pollIntervalMs', String(record.pollIntervalMs)],
        ...Object.entries(record.answers).map(([key, value]) => [`answer:${key}`, JSON.stringify(value)]),
        ...Object.entries(record.inputRequests).map(([key, value]) => [`ask:${key}`, JSON.stringify(value)]),
      ].flat();
      const outcome = await store.run((c) =>
        c.eval(CREATE, {
          keys: [task(record.id), live, liveOf(record.owner), hold(record.id)],
          arguments: [
            record.id,
            String(record.ttlMs),
            String(caps.maxLive),
            String(caps.maxLivePerCaller),
            String(TASK_LIMITS.holdMs),
            ...fields,
          ],
        }),
      );
      return outcome === 'ok' ? undefined : (outcome as CapExceeded);
    },

    async get(id) {
      const fields = await store.run((c) => c.hGetAll(task(id)));
      return fields['owner'] === undefined ? undefined : fromFields(id, fields);
    },

    async change(id, change) {
      const owner = await ownerOf(id);
      if (owner === undefined) return false;
      const ends = change.status === 'completed' || change.status === 'failed' || change.status === 'cancelled';
      const changed = await store.run((c) =>
        c.eval(CHANGE, {
          keys: [task(id), live, liveOf(owner)],
          arguments: [id, ends ? '1' : '0', ...changeFields(change)],
        }),
      );
      if (ends) owners.delete(id);
      return Number(changed) === 1;
    },

    async answer(id, responses) {
      const pairs = Object.entries(responses).flatMap(([key, value]) => [key, JSON.stringify(value)]);
      const outcome = Number(
        await store.run((c) =>
          c.eval(ANSWER, {
            keys: [task(id), hold(id)],
            arguments: [String(Date.now()), String(TASK_LIMITS.holdMs), ...pairs],
          }),
        ),
      );
      return outcome === -1 ? undefined : { ready: outcome === 1 };
    },

    async renew(id, ms) {
      await store.run((c) => c.set(hold(id), '1', { expiration: { type: 'PX', value: ms } }));
    },

    held: async (id) => (await store.run((c) => c.exists(hold(id)))) === 1,

    close() {
      owners.clear();
    },
  };
}

function changeFields(change: TaskChange): string[] {
  const fields: string[] = ['status', change.status, 'lastUpdatedAt', String(Date.now())];
  if ('statusMessage' in change && change.statusMessage !== undefined)
    fields.push('statusMessage', change.statusMessage);
  if (change.status === 'input_required')
    for (const [key, request] of Object.entries(change.inputRequests))
      fields.push(`ask:${key}`, JSON.stringify(request));
  if (change.status === 'completed') fields.push('result', JSON.stringify(change.result));
  if (change.status === 'failed') fields.push('error', JSON.stringify(change.error));
  return fields;
}

function fromFields(id: string, fields: Record<string, string>): TaskRecord {
  const answers: Record<string, unknown> = {};
  const inputRequests: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (field.startsWith('answer:')) answers[field.slice('answer:'.length)] = JSON.parse(value);
    else if (field.startsWith('ask:')) inputRequests[field.slice('ask:'.length)] = JSON.parse(value);
  }
  return {
    id,
    owner: fields['owner']!,
    tool: fields['tool']!,
    args: JSON.parse(fields['args'] ?? '{}') as Record<string, unknown>,
    status: fields['status'] as TaskStatus,
    ...(fields['statusMessage'] !== undefined && { statusMessage: fields['statusMessage'] }),
    createdAt: Number(fields['createdAt']),
    lastUpdatedAt: Number(fields['lastUpdatedAt']),
    ttlMs: Number(fields['ttlMs']),
    pollIntervalMs: Number(fields['pollIntervalMs']),
    answers,
    inputRequests,
    ...(fields['result'] !== undefined && { result: JSON.parse(fields['result']) as Record<string, unknown> }),
    ...(fields['error'] !== undefined && { error: JSON.parse(fields['error']) as TaskRecord['error'] & object }),
  };
}
