/**
 * The messages between a handler host (host.ts, main thread) and its worker
 * (worker.ts): what the worker is given, what each side posts, and a thrown value
 * flattened so it can cross the thread boundary.
 */
import { InputNeeded } from './context.js';
import type { CallInfo, HandlerToLoad, LoadProblem } from './runner.js';

/** `workerData` of a handler worker. */
export interface WorkerInput {
  readonly handlers: readonly HandlerToLoad[];
}

/** A thrown value, flattened so it can cross the thread boundary. */
export interface Thrown {
  readonly message: string;
  /** Present when the value was an `Error`. */
  readonly name?: string;
  readonly stack?: string;
  /** Set when the handler stopped to ask the client (context.ts `InputNeeded`). */
  readonly questions?: InputNeeded['questions'];
}

export type ToWorker =
  | {
      readonly type: 'call';
      readonly id: number;
      readonly key: string;
      readonly args: readonly unknown[];
      readonly info: CallInfo;
    }
  | { readonly type: 'abort'; readonly id: number; readonly reason: Thrown | undefined };

export type FromWorker =
  | { readonly type: 'ready'; readonly problems: readonly LoadProblem[] }
  /** `json` is the result as JSON text; undefined when the handler returned undefined. */
  | { readonly type: 'result'; readonly id: number; readonly json: string | undefined }
  | { readonly type: 'error'; readonly id: number; readonly error: Thrown }
  /** `ctx.log` / `ctx.progress` from a running call. */
  | {
      readonly type: 'sink';
      readonly id: number;
      readonly sink: 'log' | 'progress' | 'resourceUpdated' | 'closeStream';
      readonly args: readonly unknown[];
    }
  | { readonly type: 'exiting'; readonly reason: string };

export function toThrown(value: unknown): Thrown {
  if (value instanceof InputNeeded)
    return { message: value.message, name: value.name, questions: { ...value.questions } };
  if (value instanceof Error)
    return {
      message: String(value.message),
      name: value.name,
      ...(value.stack !== undefined && { stack: value.stack }),
    };
  try {
    return { message: String(value) };
  } catch {
    // An object without a prototype has no toString.
    return { message: Object.prototype.toString.call(value) };
  }
}
