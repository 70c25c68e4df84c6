/**
 * The context a handler receives. `log` and `progress` go to the client at once;
 * `elicit`, `sample` and `listRoots` ask the client (its user, its model, its roots).
 *
 * Asking works in both protocol eras with one mechanism, replay: the handler runs;
 * unanswered questions stop it (`InputNeeded`, carrying every question asked in that
 * round, so `Promise.all` over several asks becomes one round), the server returns an
 * input-required result (2026-07-28; on 2025-11-25 sessions the SDK turns it into
 * real server-to-client requests), and once answered the handler runs again from the
 * start, now getting the answers. Code before an ask may run more than once: keep it
 * free of side effects.
 */
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitResult,
  ListRootsResult,
} from '@modelcontextprotocol/server';
import type { HandlerCall } from './runner.js';
import type { AskOptions, ToolContext } from './types.js';

export type Question = (
  | { readonly method: 'elicitation/create'; readonly params: ElicitRequestFormParams }
  | { readonly method: 'sampling/createMessage'; readonly params: CreateMessageRequestParams }
  | { readonly method: 'roots/list'; readonly params?: undefined }
) & {
  /** On a tool that runs as a task: ask in the call, before the task exists (see AskOptions). */
  readonly beforeTask?: boolean;
};

/** Thrown by an ask whose answer is not known yet; `questions` holds every unanswered ask of the round. */
export class InputNeeded extends Error {
  override readonly name = 'InputNeeded';
  readonly questions: Readonly<Record<string, Question>>;
  constructor(questions: Readonly<Record<string, Question>>) {
    const methods = Object.values(questions).map((q) => q.method);
    super(`${methods.join(', ')} needs an answer from the client`);
    this.questions = questions;
  }
}

/** An answer of the right shape for its question; anything else is asked again. */
function isAnswer(method: Question['method'], answer: unknown): boolean {
  if (answer === null || typeof answer !== 'object') return false;
  const a = answer as Record<string, unknown>;
  switch (method) {
    case 'elicitation/create':
      return a['action'] === 'accept' || a['action'] === 'decline' || a['action'] === 'cancel';
    case 'sampling/createMessage':
      return typeof a['role'] === 'string' && a['content'] !== null && typeof a['content'] === 'object';
    case 'roots/list':
      return Array.isArray(a['roots']);
  }
}

/** The `ctx` of one call; `call.answers` are those of earlier rounds and this one, by key. */
export function createToolContext(call: HandlerCall): ToolContext {
  const { sinks, answers } = call;
  let asked = 0;
  // Shared by every InputNeeded of this run, so the round carries all its questions.
  const unanswered: Record<string, Question> = {};
  const ask = <T>(question: Question, options: AskOptions): Promise<T> => {
    const k = options.key ?? `q${asked}`;
    asked++;
    const answer = answers[k];
    if (isAnswer(question.method, answer)) return Promise.resolve(answer as T);
    unanswered[k] = options.beforeTask ? { ...question, beforeTask: true } : question;
    return Promise.reject(new InputNeeded(unanswered));
  };
  return {
    auth: call.auth,
    signal: call.signal,
    toolName: call.toolName,
    clientCapabilities: call.clientCapabilities,
    log: (level, data, logger) => sinks.log(level, data, logger),
    progress: (progress, total, message) => sinks.progress(progress, total, message),
    notifyResourceUpdated: (uri) => sinks.resourceUpdated(uri),
    closeStream: () => sinks.closeStream(),
    elicit: ({ key, beforeTask, ...params }) =>
      ask<ElicitResult>(
        { method: 'elicitation/create', params: { mode: 'form', ...params } as ElicitRequestFormParams },
        { key, beforeTask },
      ),
    sample: ({ key, beforeTask, ...params }) =>
      ask<CreateMessageResult>({ method: 'sampling/createMessage', params }, { key, beforeTask }),
    listRoots: (options = {}) => ask<ListRootsResult>({ method: 'roots/list' }, options),
  };
}
