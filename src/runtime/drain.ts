/** Closing a runtime: stop taking requests, finish the calls in flight, end the streams, free the handlers. */
import type { Server } from 'node:http';
import type { Sessions } from '../mcp/sessions.js';
import type { Generations } from './generation.js';
import { LIMITS } from './limits.js';
import type { Requests } from './requests.js';
import type { Watching } from './watching.js';

export interface Draining {
  readonly server: Server;
  readonly requests: Requests;
  readonly sessions: Sessions;
  readonly generations: Generations;
  readonly watching: Watching;
  /** How long the calls in flight are waited for. */
  readonly drainMs: number;
}

export async function drain({ server, requests, sessions, generations, watching, drainMs }: Draining): Promise<void> {
  watching.close();
  server.close();
  server.closeIdleConnections();
  await Promise.race([Promise.all(requests.calls()), timeout(drainMs)]);
  // Then the streams end: 2026-07-28 subscriptions with their graceful end (the
  // listen result), 2025-11-25 sessions closed. Each stream was told at its start
  // how soon to reconnect (SSE retry).
  await sessions.close();
  const open = requests.streams();
  const streams = [...open.keys()];
  const handlers = new Set([generations.current!.snapshot.mcp, ...[...open.values()].map((s) => s.mcp)]);
  await Promise.all([...handlers].map((mcp) => mcp.close()));
  await Promise.race([Promise.all(streams), timeout(LIMITS.streamEndMs)]);
  server.closeAllConnections();
  await generations.releaseAll();
}

/** Settles after `ms` without holding the process open. */
function timeout(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}
