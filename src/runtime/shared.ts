/** What every version shares, made once at start. */
import { InMemoryServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import { createSessions } from '../mcp/sessions.js';
import type { Observer } from '../observe.js';
import type { SharedStore } from '../store/shared.js';
import { createTasks } from '../tasks/engine.js';
import { memoryTasks } from '../tasks/memory.js';
import type { TaskStore } from '../tasks/record.js';
import { sharedTasks } from '../tasks/redis.js';
import { LIMITS } from './limits.js';
import type { SharedState, Snapshot } from './snapshot.js';

/**
 * 2026-07-28 listen streams hear list changes on the one bus, and 2025-11-25 sessions
 * are re-pointed at each reload. `current`: the snapshot serving new requests.
 *
 * With a shared store, a resource update reaches the listen streams and sessions of
 * every replica. A list change does not cross: each replica loads the same manifest
 * and announces its own reload to the streams it holds.
 */
export function createSharedState(options: {
  readonly observer: Observer;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  readonly current: () => Snapshot | undefined;
  readonly fastPath: boolean;
}): SharedState {
  const { observer, log, maxBodyBytes, current } = options;
  // Without a shared store, tasks live here; with one, there.
  const local = memoryTasks();
  const onStore = new WeakMap<SharedStore, TaskStore>();
  const shared: SharedState = {
    observer,
    // 2026-07-28 listeners hear it on the bus (and other replicas' on the store's);
    // 2025-11-25 sessions that subscribed, through their logs.
    resourceUpdated: (uri) => {
      current()?.mcp.notify.resourceUpdated(uri);
      void current()?.store?.bus.publish({ kind: 'resourceUpdated', uri });
      void shared.sessions.resourceUpdated(uri);
    },
    bus: new InMemoryServerEventBus(),
    sessions: createSessions({
      maxSessions: LIMITS.maxSessions,
      idleMs: LIMITS.sessionIdleMs,
      maxBodyBytes,
      maxEvents: LIMITS.maxEvents,
      retryMs: LIMITS.streamRetryMs,
      fleet: () => current()?.store,
      log,
    }),
    streamRetryMs: LIMITS.streamRetryMs,
    fastPath: options.fastPath,
    tasks: createTasks({
      store: () => {
        const store = current()?.store;
        if (!store) return local;
        let tasks = onStore.get(store);
        if (!tasks) onStore.set(store, (tasks = sharedTasks(store.connection)));
        return tasks;
      },
      caps: () => current()?.loaded.manifest.tasks ?? { maxLive: 0, maxLivePerCaller: 0 },
      announceCancel: (task) => void current()?.store?.bus.publish({ kind: 'taskCancelled', task }),
      log,
    }),
  };
  return shared;
}

/** Makes this replica hear what the others say through `store`. */
export function hearFleet(store: SharedStore, shared: SharedState, current: () => Snapshot | undefined): void {
  store.bus.onMessage((message) => {
    if (message.kind === 'resourceUpdated') current()?.mcp.notify.resourceUpdated(message.uri);
    else if (message.kind === 'taskCancelled') shared.tasks.cancelled(message.task);
    else shared.sessions.hear(message);
  });
}
