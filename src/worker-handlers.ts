/**
 * The handler loader for hot reload: each load starts a fresh worker (a fresh module
 * cache, so edited files are imported again); releasing it retires the worker once
 * its calls are done, which frees everything it imported.
 */
import type { HandlerLoader, HandlerRunner } from './config/index.js';
import { startHandlerHost } from './handler-host.js';

export const workerHandlers: HandlerLoader = async (list) => {
  const specs = list.map((h) => ({ tool: h.key, spec: h.spec, file: h.ref.file, exportName: h.ref.exportName, dir: h.dir }));
  const started = await startHandlerHost(specs);
  if (!started.ok) return { ok: false, problems: started.problems.map((p) => ({ key: p.tool, message: p.message })) };
  const { host } = started;
  const handlers = new Map<string, HandlerRunner>(list.map((h) => [h.key, (args, call) => host.call(h.key, args, call)]));
  return { ok: true, handlers, release: () => host.retire() };
};
