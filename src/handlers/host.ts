/**
 * A handler host runs one snapshot's handlers in a worker thread (watch mode).
 * ESM modules can never be unloaded from an isolate, so importing edited handlers
 * again in the main thread would leak memory on every reload. A worker has its own
 * isolate and module cache: a new host imports the edited files afresh, and
 * terminating a retired host frees everything it loaded.
 *
 * @example
 * const started = await startHandlerHost([{ key: 'tools[0].handler', ref: parseHandlerSpec('./handlers/todo.js#createTodo', dir), dir }]);
 * if (!started.ok) return report(started.problems);
 * const value = await started.host.call('tools[0].handler', [{ title: 'milk' }], call);
 * // on reload: start the next host, swap, then `await old.retire()`.
 */
import { Worker } from 'node:worker_threads';
import { InputNeeded } from './context.js';
import type { ContextSinks, HandlerCall, HandlerToLoad, LoadProblem } from './runner.js';
import { type FromWorker, type Thrown, type ToWorker, toThrown, type WorkerInput } from './worker-protocol.js';

export type HostStart = { ok: true; host: HandlerHost } | { ok: false; problems: LoadProblem[] };

/** How and why a host's worker stopped. */
export interface HostExit {
  /** The worker's exit code. */
  readonly code: number;
  /** Why, in words: "retired", "terminated", or what killed it. */
  readonly reason: string;
  /** True when `retire()` or `terminate()` stopped it; false when it died on its own. */
  readonly requested: boolean;
}

export interface HandlerHost {
  /** Runs the handler loaded as `key` in the worker; resolves with its return value, rejects with an Error carrying the handler's message when it throws. */
  call(key: string, args: readonly unknown[], call: HandlerCall): Promise<unknown>;
  /** Calls in flight. A call whose caller's signal aborted no longer counts, even if its handler still runs. */
  readonly pending: number;
  /** Waits until no call is in flight, then terminates the worker (and any handler still running for an aborted call). New calls after retire() reject. */
  retire(): Promise<void>;
  /** Terminates at once; calls in flight reject. */
  terminate(): Promise<void>;
  /** Settles once the worker has stopped, for any reason; `requested: false` means it died and a fresh host is needed. */
  readonly exited: Promise<HostExit>;
}

/**
 * Starts a worker that imports every handler. Load problems (syntax error, missing
 * export, not a function) come back all at once, with the messages the manifest
 * loader gives, and the worker is gone.
 */
export async function startHandlerHost(handlers: readonly HandlerToLoad[]): Promise<HostStart> {
  const host = new WorkerHost(handlers);
  const problems = await host.loaded;
  if (problems.length === 0) return { ok: true, host };
  await host.terminate();
  return { ok: false, problems: problems.map((p) => ({ ...p })) };
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

interface PendingCall {
  /** The item's name, for messages. */
  readonly name: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly sinks: ContextSinks | undefined;
  /** Detaches the abort listener from the caller's signal. */
  readonly release: () => void;
}

class WorkerHost implements HandlerHost {
  /** The load problems, once the worker has imported every handler (or died trying). */
  readonly loaded: Promise<readonly LoadProblem[]>;
  readonly exited: Promise<HostExit>;
  readonly #handlers: readonly HandlerToLoad[];
  readonly #keys: ReadonlySet<string>;
  readonly #worker: Worker;
  readonly #calls = new Map<number, PendingCall>();
  #nextId = 1;
  #settleLoaded: (problems: readonly LoadProblem[]) => void = () => {};
  /** Why the worker is going down on its own, from its last words or its uncaught error. */
  #death: { reason: string; error?: Error } | undefined;
  /** Why new calls are refused: set once the host is retired, terminated or dead. */
  #closed: string | undefined;
  #stopping: 'retired' | 'terminated' | undefined;
  #retired: Promise<void> | undefined;
  #onIdle: (() => void) | undefined;

  constructor(handlers: readonly HandlerToLoad[]) {
    this.#handlers = handlers;
    this.#keys = new Set(handlers.map((h) => h.key));
    const workerData: WorkerInput = { handlers: handlers.map(({ key, ref, dir }) => ({ key, ref: { ...ref }, dir })) };
    // resourceLimits stay at their defaults, which are the main thread's (including any
    // --max-old-space-size): a handler gets the heap it has when it runs in the main
    // thread, so watch mode fails no differently. Reaching the limit ends the worker
    // only (ERR_WORKER_OUT_OF_MEMORY), never the process. stdout and stderr are piped
    // to the process's by default, so a handler's console.log shows as usual.
    this.#worker = new Worker(WORKER_URL, { workerData });
    this.loaded = new Promise((resolve) => (this.#settleLoaded = resolve));
    this.#worker.on('message', (message: FromWorker) => this.#receive(message));
    // An uncaught exception is the cause of death even if a process.exit() was announced first.
    this.#worker.on('error', (error: unknown) => (this.#death = describeCrash(error)));
    this.exited = new Promise((resolve) => this.#worker.once('exit', (code) => resolve(this.#exit(code))));
  }

  get pending(): number {
    return this.#calls.size;
  }

  call(key: string, args: readonly unknown[], call: HandlerCall): Promise<unknown> {
    const { signal, sinks, ...info } = call;
    const name = info.toolName;
    if (this.#closed !== undefined) return Promise.reject(new Error(`tool "${name}" cannot run: ${this.#closed}`));
    if (!this.#keys.has(key)) {
      return Promise.reject(new Error(`tool "${name}" has no handler in this host; pass ${key} to startHandlerHost()`));
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // The caller gave up: forget the call now (so neither `pending` nor retire() waits
      // for a handler that may never settle) and let the handler's signal abort.
      const onAbort = () => {
        if (!this.#take(id)) return;
        this.#worker.postMessage({
          type: 'abort',
          id,
          reason: signal.reason === undefined ? undefined : toThrown(signal.reason),
        } satisfies ToWorker);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#calls.set(id, {
        name,
        resolve,
        reject,
        sinks,
        release: () => signal.removeEventListener('abort', onAbort),
      });
      // An idle host does not keep the process alive; a call in flight does.
      if (this.#calls.size === 1) this.#worker.ref();
      try {
        this.#worker.postMessage({ type: 'call', id, key, args, info } satisfies ToWorker);
      } catch (error) {
        this.#take(id);
        reject(unsendable(name, error));
      }
    });
  }

  retire(): Promise<void> {
    this.#closed ??= 'its handler host is retired; calls go to the host of the current snapshot';
    return (this.#retired ??= (async () => {
      if (this.#calls.size > 0) await new Promise<void>((resolve) => (this.#onIdle = resolve));
      await this.#stop('retired');
    })());
  }

  async terminate(): Promise<void> {
    this.#closed ??= 'its handler host was terminated';
    for (const id of [...this.#calls.keys()]) {
      const call = this.#take(id);
      call?.reject(
        new Error(`tool "${call.name}" did not answer: its handler host was terminated while the call was running`),
      );
    }
    await this.#stop('terminated');
  }

  async #stop(how: 'retired' | 'terminated'): Promise<void> {
    this.#stopping ??= how;
    this.#worker.ref();
    await this.#worker.terminate();
    await this.exited;
  }

  #receive(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        if (this.#calls.size === 0) this.#worker.unref();
        this.#settleLoaded(message.problems);
        return;
      case 'exiting':
        this.#death ??= { reason: `${message.reason}; a handler should return or throw instead` };
        return;
      case 'result':
        this.#take(message.id)?.resolve(message.json === undefined ? undefined : JSON.parse(message.json));
        return;
      case 'error': {
        const call = this.#take(message.id);
        call?.reject(toError(message.error, call.name));
        return;
      }
      case 'sink': {
        const sinks = this.#calls.get(message.id)?.sinks;
        const args = message.args as [never, never, never];
        const sink = sinks?.[message.sink] as ((...a: unknown[]) => Promise<void>) | undefined;
        void sink?.(...args).catch(() => {});
        return;
      }
    }
  }

  /** Removes a call from the table; undefined when it was already answered or abandoned. */
  #take(id: number): PendingCall | undefined {
    const call = this.#calls.get(id);
    if (!call) return undefined;
    this.#calls.delete(id);
    call.release();
    if (this.#calls.size === 0) {
      this.#worker.unref();
      this.#onIdle?.();
    }
    return call;
  }

  #exit(code: number): HostExit {
    const requested = this.#death === undefined && this.#stopping !== undefined;
    const reason = this.#death?.reason ?? this.#stopping ?? `it exited with code ${code}`;
    const cause = this.#death?.error;
    this.#closed ??= `its handler worker exited (${reason})`;
    for (const id of [...this.#calls.keys()]) {
      const call = this.#take(id);
      call?.reject(
        new Error(`tool "${call.name}" did not answer: the handler worker exited (${reason})`, cause && { cause }),
      );
    }
    // Dying before 'ready' is a load problem of every handler it was importing.
    this.#settleLoaded(
      this.#handlers.map((h) => ({
        key: h.key,
        message: `"${h.ref.spec}" failed to load: the handler worker exited while importing it (${reason})`,
      })),
    );
    return { code, reason, requested };
  }
}

/** The main-side error for a handler's throw; the worker's stack is kept so logs show where it failed. */
function toError(thrown: Thrown, tool: string): Error {
  if (thrown.questions) return new InputNeeded(thrown.questions);
  const error = new Error(thrown.message);
  if (thrown.name === undefined) {
    error.stack = `Error: ${thrown.message}\n    (thrown by tool "${tool}" in the handler worker; not an Error, so it has no stack)`;
    return error;
  }
  error.name = thrown.name;
  if (thrown.stack !== undefined) error.stack = thrown.stack;
  return error;
}

/**
 * The error for a call whose input the structured clone refused: arguments nested
 * deeper than it recurses (a RangeError), or a value it cannot copy. The client sent
 * it, so it is answered as a tool error and logged in one line: the frames would show
 * only this file, nothing of the handler.
 */
function unsendable(name: string, error: unknown): Error {
  const why =
    error instanceof RangeError
      ? 'it is nested too deeply); send arguments nested less deeply'
      : `${toThrown(error).message}); pass plain data`;
  const unsent = new Error(`tool "${name}": its input cannot be sent to the handler's worker thread (${why}`);
  unsent.stack = `Error: ${unsent.message}`;
  return unsent;
}

function describeCrash(error: unknown): { reason: string; error?: Error } {
  const thrown = toThrown(error);
  const kept = error instanceof Error ? { error } : {};
  if ((error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return {
      reason: `it ran out of memory: ${thrown.message}; a handler holds too much, or start Node with a larger --max-old-space-size`,
      ...kept,
    };
  }
  const what =
    thrown.name === undefined ? `uncaught throw of ${thrown.message}` : `uncaught ${thrown.name}: ${thrown.message}`;
  return {
    reason: `${what}, outside any call's promise (a timer or an unawaited promise in a handler); catch errors in a handler's background work`,
    ...kept,
  };
}
