/**
 * The one shape of a handler to load and of one call of it, shared by every way of
 * running handlers: in this thread, in a worker per tool (`isolation: worker`), or in
 * the watch-mode worker that is replaced on each reload.
 */

import type { LoggingLevel } from '@modelcontextprotocol/server';
import type { AuthContext } from '../auth/types.js';
import type { ResolvedHandler } from '../manifest.js';

/** A handler module to load; its location is already checked. */
export interface HandlerToLoad {
  /** Where the manifest names it, e.g. `tools[0].handler`: the key of its runner and of its problems. */
  readonly key: string;
  /** The module, its export and the manifest's spelling of both. */
  readonly ref: ResolvedHandler;
  /** The manifest's directory: load problems name files relative to it. */
  readonly dir: string;
  /** Run in a worker of its own, replaced when a call times out (`isolation: worker`). */
  readonly isolate?: boolean;
}

/** What a call carries that can cross to a worker thread: who calls, for which item, and earlier answers (see context.ts). */
export interface CallInfo {
  readonly auth: AuthContext | undefined;
  /** The item's name for `ctx.toolName` (the tool, resource, template or prompt). */
  readonly toolName: string;
  readonly clientCapabilities: Readonly<Record<string, unknown>> | undefined;
  readonly answers: Readonly<Record<string, unknown>>;
}

/** Where `log` and `progress` go: the SDK's request context, or the worker's port. */
export interface ContextSinks {
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
  progress(progress: number, total?: number, message?: string): Promise<void>;
  resourceUpdated(uri: string): Promise<void>;
  closeStream(): Promise<void>;
}

/** One call of a handler: its `CallInfo`, its signal, and where log/progress go. */
export interface HandlerCall extends CallInfo {
  readonly signal: AbortSignal;
  readonly sinks: ContextSinks;
}

/** Runs a loaded handler with its arguments (the tool's input; a resource's URI; ...), in this thread or in a worker. */
export type HandlerRunner = (args: readonly unknown[], call: HandlerCall) => Promise<unknown>;

/** A load problem, by the handler's `key`. */
export interface LoadProblem {
  readonly key: string;
  readonly message: string;
}

export type HandlerLoad =
  | { ok: true; handlers: ReadonlyMap<string, HandlerRunner>; release?: () => Promise<void> }
  | { ok: false; problems: readonly LoadProblem[] };

export type HandlerLoader = (handlers: readonly HandlerToLoad[]) => Promise<HandlerLoad>;
