/**
 * The context a handler receives. `log` and `progress` go to the client at once;
 * `elicit` and `sample` ask the client (or its user, or its model) and wait.
 *
 * Asking works in both protocol eras with one mechanism, replay: the handler runs;
 * the first question without an answer stops it (`InputNeeded`), the server returns
 * an input-required result (2026-07-28; on 2025-11-25 sessions the SDK turns it into
 * a real server-to-client request), and once answered the handler runs again from
 * the start, now getting the earlier answers in order. So code before an `elicit` may
 * run more than once: keep it free of side effects.
 */
import type { CreateMessageRequestParams, CreateMessageResult, ElicitRequestFormParams, ElicitResult, LoggingLevel } from '@modelcontextprotocol/server';
import type { AuthContext, ToolContext } from './handler-types.js';

/** Thrown by `elicit`/`sample` when the answer is not known yet. */
export class InputNeeded extends Error {
  override readonly name = 'InputNeeded';
  constructor(
    readonly key: string,
    readonly request: { readonly method: 'elicitation/create'; readonly params: ElicitRequestFormParams } | { readonly method: 'sampling/createMessage'; readonly params: CreateMessageRequestParams },
  ) {
    super(`${request.method} needs an answer from the client`);
  }
}

/** Where `log` and `progress` go: the SDK's request context, or the worker's port. */
export interface ContextSinks {
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

export function createToolContext(
  base: { auth: AuthContext | undefined; signal: AbortSignal; toolName: string },
  sinks: ContextSinks,
  /** Answers from earlier rounds, by key. */
  answers: Readonly<Record<string, unknown>>,
): ToolContext {
  let asked = 0;
  const ask = <T>(request: InputNeeded['request']): Promise<T> => {
    const key = `q${asked++}`;
    if (key in answers) return Promise.resolve(answers[key] as T);
    return Promise.reject(new InputNeeded(key, request));
  };
  return {
    auth: base.auth,
    signal: base.signal,
    toolName: base.toolName,
    log: (level, data, logger) => sinks.log(level, data, logger),
    progress: (progress, total, message) => sinks.progress(progress, total, message),
    elicit: (params) => ask<ElicitResult>({ method: 'elicitation/create', params: { mode: 'form', ...params } as ElicitRequestFormParams }),
    sample: (params) => ask<CreateMessageResult>({ method: 'sampling/createMessage', params }),
  };
}
