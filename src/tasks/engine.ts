/**
 * Tasks (the tasks extension, SEP-2663): a `tools/call` handed over to a task that the
 * client polls (`tasks/get`), answers (`tasks/update`) and cancels (`tasks/cancel`).
 *
 * A call to a tool that supports tasks, from a client that declared the extension,
 * starts the handler at once. What it does in its first moments is answered in the
 * call itself, as for any tool: a result (the spec's immediate-result shortcut), or
 * the questions it asks before doing anything else (an input-required round, so the
 * client confirms before the work starts). Past that, the call answers with a task,
 * kept in the store before the answer leaves, and the handler goes on. A question it
 * asks then becomes the task's `inputRequests`; once every one is answered through
 * `tasks/update`, the handler runs again from the start with the answers (the replay
 * every handler already follows, see handlers/context.ts), on whichever replica took
 * the last answer.
 *
 * A task belongs to the principal that created it: to anyone else, and to a token
 * without the tool's scopes, it does not exist. Its handler is aborted by
 * `tasks/cancel` (on any replica: the store's bus tells the one running it) and when
 * the task's ttl ends, when the task is removed.
 */
import { randomBytes } from 'node:crypto';
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type InputRequiredResult,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { scopeChallenge } from '../auth/scopes.js';
import type { AuthContext } from '../auth/types.js';
import { InputNeeded } from '../handlers/context.js';
import type { HandlerCall } from '../handlers/runner.js';
import type { Logger } from '../log.js';
import type { ResolvedTaskExecution, ScopePolicy } from '../manifest.js';
import { ownerDigest } from '../store/sessions.js';
import {
  createTaskResult,
  detailedTask,
  TASK_LIMITS,
  TASKS_EXTENSION,
  type TaskChange,
  type TaskError,
  type TaskRecord,
  type TaskStore,
  TERMINAL,
} from './record.js';

/** What a tool that supports tasks gives the engine. */
export interface TaskTool {
  readonly name: string;
  readonly scopes: ScopePolicy;
  readonly task: ResolvedTaskExecution;
  /**
   * One run of the handler to its result (checked against the output schema); rejects
   * with `InputNeeded` for unanswered questions, a `ProtocolError`, or the handler's error.
   */
  round(args: Record<string, unknown>, call: HandlerCall): Promise<CallToolResult>;
  /** A handler's failure as the tool error the model reads (logged once, unless the call was cancelled). */
  failure(error: unknown, cancelled?: boolean): CallToolResult;
  /** The questions of `error` as a task's input requests. */
  inputRequests(error: InputNeeded): Record<string, unknown>;
  /** The input-required round asking `questions` before any task exists (requestState sealed). */
  ask(error: InputNeeded, answers: Record<string, unknown>, ctx: ServerContext): Promise<InputRequiredResult>;
}

export interface TasksOptions {
  /** Where tasks live: this process, or the shared store. */
  readonly store: () => TaskStore;
  readonly caps: () => { maxLive: number; maxLivePerCaller: number };
  /** Tells the other replicas that a task was cancelled, so the one running it stops it. */
  readonly announceCancel: (id: string) => void;
  readonly log: Logger;
}

export interface Tasks {
  /** Whether the request declared the tasks extension (in its `_meta` client capabilities). */
  declared(ctx: ServerContext): boolean;
  /** Serves a `tools/call` of `tool`: its result, its first questions, or the created task (`CreateTaskResult`). */
  call(
    tool: TaskTool,
    args: Record<string, unknown>,
    ctx: ServerContext,
    answers: Record<string, unknown>,
  ): Promise<
    | { kind: 'result'; result: CallToolResult }
    | { kind: 'input_required'; result: InputRequiredResult }
    | { kind: 'task'; created: Record<string, unknown> }
  >;
  get(id: string, ctx: ServerContext, lookup: (tool: string) => TaskTool | undefined): Promise<Record<string, unknown>>;
  update(
    id: string,
    responses: Record<string, unknown>,
    ctx: ServerContext,
    lookup: (tool: string) => TaskTool | undefined,
  ): Promise<void>;
  cancel(id: string, ctx: ServerContext, lookup: (tool: string) => TaskTool | undefined): Promise<void>;
  /** Another replica cancelled `id`: stop its handler if it runs here. */
  cancelled(id: string): void;
  /** Tasks whose handler runs in this process. */
  readonly running: number;
  /** Aborts every handler running here (shutdown); their tasks end `failed` on the next poll elsewhere. */
  close(): void;
}

const MISSING_EXTENSION = () =>
  new MissingRequiredClientCapabilityError(
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    `This request needs the ${TASKS_EXTENSION} extension: declare it in the request's client capabilities`,
  );

const NOT_FOUND = () => new ProtocolError(ProtocolErrorCode.InvalidParams, 'Failed to retrieve task: Task not found');

/** Aborts a task's handler: cancelled by the client, or out of time. */
class TaskStopped extends Error {
  override readonly name = 'TaskStopped';
}

export function createTasks(options: TasksOptions): Tasks {
  const { log } = options;
  const running = new Map<string, AbortController>();
  const store = () => options.store();

  const owner = (auth: AuthContext | undefined) => ownerDigest(auth?.principal ?? '');

  /** The task `id` as `ctx`'s caller may see it, or the unknown-id error. */
  const visible = async (id: string, ctx: ServerContext, lookup: (tool: string) => TaskTool | undefined) => {
    const auth = authOf(ctx.http?.authInfo);
    const task = await store().get(id);
    if (!task || task.owner !== owner(auth)) throw NOT_FOUND();
    const tool = lookup(task.tool);
    // A reload that removed the tool leaves nothing to check its scopes against: the task is gone too.
    if (!tool || (auth && scopeChallenge(tool.scopes, auth.scopes))) throw NOT_FOUND();
    return { task, tool, auth };
  };

  const change = (id: string, next: TaskChange) => store().change(id, next);

  /** Follows a run of `tool`'s handler for task `id` to the task's next state. */
  const follow = (task: TaskRecord, work: Promise<CallToolResult>, controller: AbortController, tool: TaskTool) => {
    running.set(task.id, controller);
    const left = task.createdAt + task.ttlMs - Date.now();
    const expiry = setTimeout(
      () => controller.abort(new TaskStopped(`the task's ttl of ${task.ttlMs} ms ended`)),
      left,
    );
    expiry.unref();
    const hold = setInterval(
      () =>
        void store()
          .renew(task.id, TASK_LIMITS.holdMs)
          .catch(() => {}),
      TASK_LIMITS.holdMs / 3,
    );
    hold.unref();
    const settle = async (): Promise<void> => {
      try {
        const result = await work;
        const bytes = Buffer.byteLength(JSON.stringify(result));
        if (bytes > TASK_LIMITS.maxResultBytes) {
          const message = `The result is ${bytes} bytes, more than the ${TASK_LIMITS.maxResultBytes} a task keeps`;
          await change(task.id, { status: 'failed', error: { code: -32603, message }, statusMessage: message });
          return;
        }
        await change(task.id, { status: 'completed', result: result as Record<string, unknown> });
      } catch (error) {
        if (controller.signal.aborted && controller.signal.reason instanceof TaskStopped) return;
        if (error instanceof InputNeeded) {
          await change(task.id, { status: 'input_required', inputRequests: tool.inputRequests(error) });
          return;
        }
        if (error instanceof ProtocolError) {
          const failed: TaskError = {
            code: error.code,
            message: error.message,
            ...(error.data !== undefined && { data: error.data }),
          };
          await change(task.id, { status: 'failed', error: failed, statusMessage: error.message });
          return;
        }
        await change(task.id, { status: 'completed', result: tool.failure(error) as Record<string, unknown> });
      }
    };
    void settle()
      .catch((error: unknown) => log.warn(`task ${task.id}: its outcome could not be kept (${String(error)})`))
      .finally(() => {
        clearTimeout(expiry);
        clearInterval(hold);
        if (running.get(task.id) === controller) running.delete(task.id);
      });
  };

  /** A run of the handler for a task (or a call that may become one). */
  const start = (
    tool: TaskTool,
    args: Record<string, unknown>,
    ctx: ServerContext,
    answers: Record<string, unknown>,
    onProgress: (message: string) => void,
  ) => {
    const controller = new AbortController();
    const call: HandlerCall = {
      auth: authOf(ctx.http?.authInfo),
      signal: controller.signal,
      toolName: tool.name,
      clientCapabilities: clientCapabilities(ctx),
      answers,
      sinks: {
        // A task has no stream: log lines and progress have no client to go to, except
        // progress, which becomes the task's status message.
        log: async () => {},
        progress: async (progress, total, message) =>
          onProgress(message ?? (total === undefined ? `${progress}` : `${progress} of ${total}`)),
        resourceUpdated: async () => {},
        closeStream: async () => {},
      },
    };
    return { controller, work: tool.round(args, call) };
  };

  return {
    declared: (ctx) => {
      const extensions = (clientCapabilities(ctx)?.['extensions'] ?? undefined) as Record<string, unknown> | undefined;
      return extensions?.[TASKS_EXTENSION] !== undefined;
    },

    async call(tool, args, ctx, answers) {
      let id: string | undefined;
      // Progress before the task exists becomes its first status message.
      let firstMessage: string | undefined;
      const progress = (message: string) => {
        if (id) void change(id, { status: 'working', statusMessage: message }).catch(() => {});
        else firstMessage = message;
      };
      const { controller, work } = start(tool, args, ctx, answers, progress);
      // Until the task exists, the request is the call: its cancellation stops the handler.
      const followRequest = () => controller.abort(ctx.mcpReq.signal.reason);
      ctx.mcpReq.signal.addEventListener('abort', followRequest, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const moments = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), TASK_LIMITS.firstMomentsMs);
      });
      const early = await Promise.race([
        work.then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        ),
        moments,
      ]);
      clearTimeout(timer);
      ctx.mcpReq.signal.removeEventListener('abort', followRequest);
      if (early && 'result' in early) return { kind: 'result', result: early.result };
      // Questions asked at once become the task's first input requests, unless every one asks to come first.
      const asked = early?.error instanceof InputNeeded ? early.error : undefined;
      if (asked && Object.values(asked.questions).every((q) => q.beforeTask))
        return { kind: 'input_required', result: await tool.ask(asked, answers, ctx) };
      if (early && !asked) {
        if (early.error instanceof ProtocolError) throw early.error;
        return { kind: 'result', result: tool.failure(early.error, controller.signal.aborted) };
      }
      const now = Date.now();
      const task: TaskRecord = {
        id: randomBytes(16).toString('base64url'),
        owner: owner(authOf(ctx.http?.authInfo)),
        tool: tool.name,
        args,
        status: asked ? 'input_required' : 'working',
        ...(firstMessage !== undefined && { statusMessage: firstMessage }),
        createdAt: now,
        lastUpdatedAt: now,
        ttlMs: tool.task.ttlMs,
        pollIntervalMs: tool.task.pollIntervalMs,
        answers,
        inputRequests: asked ? tool.inputRequests(asked) : {},
      };
      let refused: Awaited<ReturnType<TaskStore['create']>>;
      try {
        refused = await store().create(task, options.caps());
      } catch (error) {
        controller.abort(new TaskStopped('the task could not be kept'));
        throw error;
      }
      if (refused) {
        controller.abort(new TaskStopped('too many tasks'));
        const caps = options.caps();
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          refused === 'caller'
            ? `You have ${caps.maxLivePerCaller} tasks running, the most this server allows one caller (tasks.maxLivePerCaller); wait for one to end or cancel one`
            : `The server runs ${caps.maxLive} tasks, the most it allows (tasks.maxLive); retry later`,
        );
      }
      id = task.id;
      if (!asked) follow(task, work, controller, tool);
      return { kind: 'task', created: createTaskResult(task) };
    },

    async get(id, ctx, lookup) {
      requireExtension(this, ctx);
      const { task } = await visible(id, ctx, lookup);
      if (task.status === 'working' && !running.has(id) && !(await store().held(id))) {
        // Its runner stopped renewing its hold: the replica running it died.
        const message = 'The replica running this task stopped before it finished; call the tool again';
        await change(id, { status: 'failed', error: { code: -32603, message }, statusMessage: message });
        const failed = await store().get(id);
        if (failed) return detailedTask(failed);
      }
      return detailedTask(task);
    },

    async update(id, responses, ctx, lookup) {
      requireExtension(this, ctx);
      const { tool } = await visible(id, ctx, lookup);
      const outcome = await store().answer(id, responses);
      if (!outcome?.ready) return;
      // Every question is answered: the handler runs again, here, with all the answers.
      const task = await store().get(id);
      if (task?.status !== 'working') return;
      const progress = (message: string) =>
        void change(id, { status: 'working', statusMessage: message }).catch(() => {});
      const { controller, work } = start(
        tool,
        task.args as Record<string, unknown>,
        ctx,
        { ...task.answers },
        progress,
      );
      follow(task, work, controller, tool);
    },

    async cancel(id, ctx, lookup) {
      requireExtension(this, ctx);
      const { task } = await visible(id, ctx, lookup);
      if (TERMINAL.has(task.status)) return;
      await change(id, { status: 'cancelled', statusMessage: 'Cancelled by the client' });
      const local = running.get(id);
      if (local) local.abort(new TaskStopped('cancelled by the client'));
      else options.announceCancel(id);
    },

    cancelled(id) {
      running.get(id)?.abort(new TaskStopped('cancelled by the client'));
    },

    get running() {
      return running.size;
    },

    close() {
      for (const controller of running.values()) controller.abort(new TaskStopped('the server is shutting down'));
      running.clear();
    },
  };
}

function clientCapabilities(ctx: ServerContext): Record<string, unknown> | undefined {
  return (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as
    | Record<string, unknown>
    | undefined;
}

/** `tasks/*` from a request that did not declare the extension: -32021, as the spec says. */
function requireExtension(tasks: Pick<Tasks, 'declared'>, ctx: ServerContext): void {
  if (!tasks.declared(ctx)) throw MISSING_EXTENSION();
}

export { MISSING_EXTENSION };
