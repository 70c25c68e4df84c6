/**
 * `isolation: worker`: a tool's handler runs in a worker thread of its own. A call that
 * times out or is cancelled terminates that worker (a handler spinning the CPU cannot be
 * stopped any other way) and a fresh one takes its place; so does a worker that dies.
 * The main thread, and every other tool, keep serving meanwhile.
 */
import { type HandlerHost, startHandlerHost } from './host.js';
import type { HandlerRunner, HandlerToLoad } from './runner.js';

export type Isolated =
  | { ok: true; runner: HandlerRunner; release: () => Promise<void> }
  | { ok: false; message: string };

export async function isolateHandler(handler: HandlerToLoad): Promise<Isolated> {
  const start = async (): Promise<HandlerHost | string> => {
    const started = await startHandlerHost([handler]);
    return started.ok ? started.host : (started.problems[0]?.message ?? 'failed to load');
  };
  let released = false;
  let host: HandlerHost;
  // A worker that dies on its own (process.exit, an uncaught throw, out of memory) is replaced too.
  const watch = (h: HandlerHost) => void h.exited.then(() => replace(h));
  const replace = async (old: HandlerHost) => {
    if (host !== old || released) return;
    const next = await start();
    if (typeof next !== 'string' && host === old && !released) {
      host = next;
      watch(next);
    }
    await old.terminate();
  };
  const first = await start();
  if (typeof first === 'string') return { ok: false, message: first };
  host = first;
  watch(first);
  return {
    ok: true,
    async runner(args, call) {
      const current = host;
      try {
        return await current.call(handler.key, args, call);
      } catch (error) {
        // The caller gave up (timeout, cancel): the handler may still be running in that
        // worker, so the worker goes and a fresh one serves the next call.
        if (call.signal.aborted) void replace(current);
        throw error;
      }
    },
    release: async () => {
      released = true;
      await host.retire();
    },
  };
}
