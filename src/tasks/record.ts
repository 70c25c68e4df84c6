/**
 * A task as the server keeps it (the tasks extension, SEP-2663), and the two shapes it
 * takes on the wire: the `CreateTaskResult` that answers the `tools/call`, and the
 * `DetailedTask` that `tasks/get` returns (result, error or input requests inlined).
 */

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export const TASK_LIMITS = {
  /** How long a call's first moments last: a handler that ends or asks by then is answered in the call. */
  firstMomentsMs: 50,
  /** A runner that has not renewed its hold this long has stopped (a replica killed mid-task). */
  holdMs: 10_000,
  /** A finished task's result larger than this ends it `failed` instead (it is kept, and sent, whole). */
  maxResultBytes: 4 * 1024 * 1024,
} as const;

export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

/** A JSON-RPC error, as a failed task inlines it. */
export interface TaskError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface TaskRecord {
  /** Random, 128 bits: the spec lets a task id act as a bearer of its state. */
  readonly id: string;
  /** The digest of the principal that created it; nobody else sees it. */
  readonly owner: string;
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly status: TaskStatus;
  readonly statusMessage?: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly lastUpdatedAt: number;
  readonly ttlMs: number;
  readonly pollIntervalMs: number;
  /** Every answer given so far, by question key (the handler runs again with them). */
  readonly answers: Readonly<Record<string, unknown>>;
  /** The questions still unanswered, by key, while `input_required`. */
  readonly inputRequests: Readonly<Record<string, unknown>>;
  readonly result?: Readonly<Record<string, unknown>>;
  readonly error?: TaskError;
}

/** What a running task's next state is; the store refuses it once the task has ended. */
export type TaskChange =
  | { readonly status: 'working'; readonly statusMessage?: string }
  | { readonly status: 'input_required'; readonly inputRequests: Readonly<Record<string, unknown>> }
  | { readonly status: 'completed'; readonly result: Readonly<Record<string, unknown>> }
  | { readonly status: 'failed'; readonly error: TaskError; readonly statusMessage: string }
  | { readonly status: 'cancelled'; readonly statusMessage: string };

function base(task: TaskRecord) {
  return {
    taskId: task.id,
    status: task.status,
    ...(task.statusMessage !== undefined && { statusMessage: task.statusMessage }),
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
    ttlMs: task.ttlMs,
    pollIntervalMs: task.pollIntervalMs,
  };
}

/** The `tools/call` answer that hands the call over to a task. */
export function createTaskResult(task: TaskRecord): Record<string, unknown> {
  return { resultType: 'task', ...base(task) };
}

/** What `tasks/get` returns: the task with what its status carries. */
export function detailedTask(task: TaskRecord): Record<string, unknown> {
  return {
    ...base(task),
    ...(task.status === 'input_required' && { inputRequests: task.inputRequests }),
    ...(task.status === 'completed' && task.result !== undefined && { result: task.result }),
    ...(task.status === 'failed' && task.error !== undefined && { error: task.error }),
  };
}

/** Why a task could not be created under the manifest's `tasks` bounds. */
export type CapExceeded = 'caller' | 'all';

export interface TaskStore {
  /** Keeps `task`, unless it would exceed a bound; resolves once a `get` anywhere finds it. */
  create(task: TaskRecord, caps: { maxLive: number; maxLivePerCaller: number }): Promise<CapExceeded | undefined>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** Moves a task that has not ended to `change`; false when it had ended (or is gone). */
  change(id: string, change: TaskChange): Promise<boolean>;
  /**
   * Records the answers to questions still outstanding (others are ignored, as the spec
   * says); `ready` when none is left, and the task is then `working` again.
   */
  answer(id: string, responses: Readonly<Record<string, unknown>>): Promise<{ ready: boolean } | undefined>;
  /** Marks the task as run by this process for `ms` more; a task whose runner stopped renewing it has lost its runner. */
  renew(id: string, ms: number): Promise<void>;
  /** Whether a runner holds a `working` task (always true where tasks live in the process running them). */
  held(id: string): Promise<boolean>;
  close(): void;
}
