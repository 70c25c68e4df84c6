/**
 * The handler worker: a worker thread that imports one snapshot's handler modules,
 * then runs the calls the main thread posts and answers each by id. Started by
 * `startHandlerHost` (host.ts) through worker-protocol.ts; never imported by the main thread.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { freezeAuthContext } from '../auth/claims.js';
import { createToolContext } from './context.js';
import { importHandler } from './modules.js';
import type { LoadProblem } from './runner.js';
import type { ToolHandler } from './types.js';
import { type FromWorker, type Thrown, type ToWorker, toThrown, type WorkerInput } from './worker-protocol.js';

/** A value in a result that JSON cannot carry. */
class NotSendable extends Error {}

const port = parentPort;
if (isMainThread || !port)
  throw new Error('handlers/worker.js runs in a worker thread; start it with startHandlerHost() from handlers/host.js');
const post = (message: FromWorker) => port.postMessage(message);

// In a worker, process.exit() ends this thread only. Say who called it before going,
// so the main side can tell the operator more than an exit code. (Node calls it too
// after an uncaught exception; the main side's 'error' event wins then.)
const exit = process.exit.bind(process);
process.exit = ((...args: Parameters<typeof process.exit>) => {
  const caller = new Error().stack?.split('\n')[2]?.trim() ?? 'at an unknown place';
  post({ type: 'exiting', reason: `a handler called process.exit(${args.map(String).join(', ')}) ${caller}` });
  // Arguments passed on as given: process.exit(undefined) is not process.exit().
  return exit(...args);
}) as typeof process.exit;

const handlers = new Map<string, ToolHandler>();
const loaded = await Promise.all(
  (workerData as WorkerInput).handlers.map(async (h) => ({ key: h.key, result: await importHandler(h.ref, h.dir) })),
);
const problems: LoadProblem[] = [];
for (const { key, result } of loaded) {
  if (typeof result === 'string') problems.push({ key, message: result });
  else handlers.set(key, result);
}

/** Controllers of the calls running now; a call whose caller gave up is removed at once. */
const running = new Map<number, AbortController>();

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') {
    running.get(message.id)?.abort(toReason(message.reason));
    running.delete(message.id);
  } else {
    void run(message);
  }
});
post({ type: 'ready', problems });

async function run({ id, key, args, info }: Extract<ToWorker, { type: 'call' }>): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  let answer: FromWorker;
  try {
    const handler = handlers.get(key);
    if (!handler) throw new Error(`the handler worker has no handler for tool "${info.toolName}"`);
    // log/progress go to the main thread, which owns the request; fire and forget.
    const sink =
      (kind: 'log' | 'progress' | 'resourceUpdated' | 'closeStream') =>
      async (...args: unknown[]) =>
        post({ type: 'sink', id, sink: kind, args });
    const sinks = {
      log: sink('log'),
      progress: sink('progress'),
      resourceUpdated: sink('resourceUpdated'),
      closeStream: sink('closeStream'),
    };
    const ctx = createToolContext({
      ...info,
      auth: info.auth && freezeAuthContext(info.auth),
      signal: controller.signal,
      sinks,
    });
    const value = await (handler as (...a: unknown[]) => unknown)(...args, ctx);
    answer = { type: 'result', id, json: toJson(info.toolName, value) };
  } catch (error) {
    answer = { type: 'error', id, error: toThrown(error) };
  }
  // Nobody waits for the answer of a call that was aborted.
  if (running.delete(id)) post(answer);
}

/**
 * The result as JSON text. The main thread serializes a result to JSON anyway (it is
 * sent to the client as JSON), so doing it here keeps `toJSON()` and drops prototype
 * methods exactly as running the handler in the main thread would. A function,
 * symbol or bigint anywhere is refused with its path, as is a cycle.
 */
function toJson(tool: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const paths = new WeakMap<object, string>();
  let root = true;
  try {
    return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
      let path = 'result';
      if (!root) {
        const parent = (typeof this === 'object' && this !== null && paths.get(this)) || 'result';
        path = Array.isArray(this)
          ? `${parent}[${key}]`
          : /^[A-Za-z_$][\w$]*$/.test(key)
            ? `${parent}.${key}`
            : `${parent}[${JSON.stringify(key)}]`;
      }
      root = false;
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint')
        throw new NotSendable(`${path} is a ${typeof v}`);
      if (typeof v === 'object' && v !== null) paths.set(v, path);
      return v;
    });
  } catch (error) {
    const what =
      error instanceof NotSendable
        ? error.message
        : `it cannot be written as JSON (${toThrown(error).message.split('\n')[0]})`;
    throw new Error(
      `tool "${tool}" returned a value that cannot be sent as a tool result: ${what}; return plain data (objects, arrays, strings, numbers, booleans, null)`,
    );
  }
}

/** The main side's abort reason, as the same kind of value (a DOMException for AbortError and TimeoutError). */
function toReason(reason: Thrown | undefined): unknown {
  if (reason === undefined) return undefined;
  if (reason.name === 'AbortError' || reason.name === 'TimeoutError')
    return new DOMException(reason.message, reason.name);
  if (reason.name === undefined) return reason.message;
  return Object.assign(new Error(reason.message), { name: reason.name });
}
