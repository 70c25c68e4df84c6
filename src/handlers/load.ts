/** The default handler loader: every handler imported into this thread, or into a worker of its own when isolated. */
import { createToolContext } from './context.js';
import { isolateHandler } from './isolation.js';
import { importHandler } from './modules.js';
import type { HandlerLoader, HandlerRunner, LoadProblem } from './runner.js';

/** Imports every handler; all problems at once. */
export const importHandlers: HandlerLoader = async (list) => {
  const handlers = new Map<string, HandlerRunner>();
  const problems: LoadProblem[] = [];
  const releases: (() => Promise<void>)[] = [];
  await Promise.all(
    list.map(async (handler) => {
      const { key } = handler;
      if (handler.isolate) {
        const isolated = await isolateHandler(handler);
        if (!isolated.ok) return void problems.push({ key, message: isolated.message });
        handlers.set(key, isolated.runner);
        return void releases.push(isolated.release);
      }
      const result = await importHandler(handler.ref, handler.dir);
      if (typeof result === 'string') problems.push({ key, message: result });
      else
        handlers.set(key, async (args, call) =>
          (result as (...a: unknown[]) => unknown)(...args, createToolContext(call)),
        );
    }),
  );
  const release = async () => void (await Promise.all(releases.map((r) => r())));
  if (problems.length > 0) await release();
  return problems.length > 0 ? { ok: false, problems } : { ok: true, handlers, release };
};
