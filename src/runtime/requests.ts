/**
 * The requests a runtime has open, for the drain: calls are waited for at shutdown;
 * streams (2025 GET, 2026 subscriptions/listen) only carry notifications, and are
 * ended once the calls are done.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Generation } from './generation.js';
import type { Snapshot } from './snapshot.js';

export interface Requests {
  /** Counts `res` until it closes, as a call on `generation` or as a stream opened on its snapshot. */
  track(req: IncomingMessage, res: ServerResponse, generation: Generation | undefined): void;
  /** The calls not done yet, each settling when its response closes. */
  calls(): Promise<void>[];
  /** The streams still open, each with the snapshot it was opened on. */
  streams(): ReadonlyMap<Promise<void>, Snapshot>;
}

export function createRequests(): Requests {
  const inFlight = new Set<Promise<void>>();
  const openStreams = new Map<Promise<void>, Snapshot>();
  return {
    track(req, res, generation) {
      const done = new Promise<void>((resolve) => res.once('close', resolve));
      // Streams do not hold an old version's handlers alive either.
      const stream = req.method === 'GET' || req.headers['mcp-method'] === 'subscriptions/listen';
      if (stream && generation) {
        openStreams.set(done, generation.snapshot);
        void done.then(() => openStreams.delete(done));
      } else {
        inFlight.add(done);
        void done.then(() => inFlight.delete(done));
        if (generation) void done.then(generation.enter());
      }
    },
    calls: () => [...inFlight],
    streams: () => openStreams,
  };
}
