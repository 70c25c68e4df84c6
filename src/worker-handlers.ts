/**
 * The handler loader for hot reload: each load starts a fresh worker (a fresh module
 * cache, so edited files are imported again); releasing it retires the worker once
 * its calls are done, which frees everything it imported.
 */
import type { HandlerLoader } from './config/index.js';
import { startHandlerHost } from './handler-host.js';
import type { ToolHandler } from './handler-types.js';

export const workerHandlers: HandlerLoader = async (list) => {
  const started = await startHandlerHost(list.map((h) => ({ tool: h.tool, spec: h.spec, file: h.ref.file, exportName: h.ref.exportName })));
  if (!started.ok) return started;
  const { host } = started;
  const handlers = new Map<string, ToolHandler>(
    list.map((h) => [h.tool, (input, ctx) => host.call(h.tool, input, { auth: ctx.auth, signal: ctx.signal }) as never]),
  );
  return { ok: true, handlers, release: () => host.retire() };
};
