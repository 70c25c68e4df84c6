/**
 * The handler loader for hot reload: each load starts a fresh worker (a fresh module
 * cache, so edited files are imported again); releasing it retires the worker once
 * its calls are done, which frees everything it imported.
 */
import { startHandlerHost } from './host.js';
import type { HandlerLoader, HandlerRunner } from './runner.js';

export const workerHandlers: HandlerLoader = async (list) => {
  const started = await startHandlerHost(list);
  if (!started.ok) return { ok: false, problems: started.problems };
  const { host } = started;
  const handlers = new Map<string, HandlerRunner>(
    list.map((h) => [h.key, (args, call) => host.call(h.key, args, call)]),
  );
  return { ok: true, handlers, release: () => host.retire() };
};
