/** What every version shares, made once at start. */
import { InMemoryServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import { createSessions } from '../mcp/sessions.js';
import type { Observer } from '../observe.js';
import { LIMITS } from './limits.js';
import type { SharedState, Snapshot } from './snapshot.js';

/**
 * 2026-07-28 listen streams hear list changes on the one bus, and 2025-11-25 sessions
 * are re-pointed at each reload. `current`: the snapshot serving new requests.
 */
export function createSharedState(options: {
  readonly observer: Observer;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  readonly current: () => Snapshot | undefined;
  readonly fastPath: boolean;
}): SharedState {
  const { observer, log, maxBodyBytes, current } = options;
  const shared: SharedState = {
    observer,
    // 2026-07-28 listeners hear it on the bus; 2025-11-25 sessions that subscribed, directly.
    resourceUpdated: (uri) => {
      current()?.mcp.notify.resourceUpdated(uri);
      shared.sessions.resourceUpdated(uri);
    },
    bus: new InMemoryServerEventBus(),
    sessions: createSessions({
      maxSessions: LIMITS.maxSessions,
      idleMs: LIMITS.sessionIdleMs,
      maxBodyBytes,
      maxEvents: LIMITS.maxEvents,
      retryMs: LIMITS.streamRetryMs,
      log,
    }),
    streamRetryMs: LIMITS.streamRetryMs,
    fastPath: options.fastPath,
  };
  return shared;
}
