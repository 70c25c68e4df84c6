/**
 * The tasks extension on an SDK server: `tasks/get`, `tasks/update` and `tasks/cancel`
 * (the SDK checks their params, envelope and `Mcp-Name`, and stamps `resultType`), the
 * extension declared in `server/discover`, and the task that answers a `tools/call`.
 *
 * The SDK has no task result for `tools/call` yet (typescript-sdk#2189): it checks every
 * `tools/call` result as a `CallToolResult` and, with an output schema, wants structured
 * content. So the tool hands the SDK a tool result that carries the task under a key of
 * ours (`carryTask`), and the answer is turned back into the `CreateTaskResult` on its
 * way out (`revealTask`), before anything is written. When the SDK ships its tasks
 * extension, this module is where it goes in.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  fromJsonSchema,
  type JSONRPCMessage,
  type McpServer,
} from '@modelcontextprotocol/server';
import { MISSING_EXTENSION, type Tasks, type TaskTool } from './engine.js';
import { TASKS_EXTENSION } from './record.js';

const CARRIER = 'mcp-serve/createTaskResult';

/** The tool result the SDK sees for a call that became a task. */
export function carryTask(task: Record<string, unknown>) {
  return { content: [], isError: true, _meta: { [CARRIER]: task } };
}

/** The answer with the task it carries as its result (the SDK's `_meta` stamps kept), or `message` as it was. */
export function revealTask<M extends JSONRPCMessage>(message: M): M {
  const result = (message as { result?: { _meta?: Record<string, unknown> } }).result;
  const task = result?._meta?.[CARRIER];
  if (task === undefined) return message;
  const { [CARRIER]: _carried, ...meta } = result!._meta!;
  return { ...message, result: { ...(task as object), ...(Object.keys(meta).length > 0 && { _meta: meta }) } };
}

/**
 * The `-32021` answer to a `tools/call` (`body`, parsed) of a tool that runs only as a
 * task, from a request that did not declare the extension; undefined for any other
 * request. Decided before the SDK, whose tool dispatch turns a handler's error into a
 * tool result.
 */
export function refuseUndeclaredTask(body: unknown, required: ReadonlySet<string>): object | undefined {
  if (required.size === 0 || body === null || typeof body !== 'object') return undefined;
  const { method, params, id } = body as { method?: unknown; params?: Record<string, unknown>; id?: unknown };
  if (method !== 'tools/call' || typeof params?.['name'] !== 'string' || !required.has(params['name']))
    return undefined;
  if (declaresTasks(params)) return undefined;
  const error = MISSING_EXTENSION();
  return {
    jsonrpc: '2.0',
    id: typeof id === 'string' || typeof id === 'number' ? id : null,
    error: { code: error.code, message: error.message, data: error.data },
  };
}

/** Whether request params declare the extension in their `_meta` client capabilities. */
function declaresTasks(params: Record<string, unknown> | undefined): boolean {
  const meta = params?.['_meta'] as Record<string, unknown> | undefined;
  const declared = meta?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: Record<string, unknown> } | undefined;
  return declared?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/**
 * Whether a request (`body`, parsed) needs the task store: `tasks/*`, or a `tools/call`
 * of one of `tools` that may become a task (it declares the extension).
 */
export function tasksRequest(tools: ReadonlySet<string>): (body: unknown) => boolean {
  return (body) => {
    if (tools.size === 0 || body === null || typeof body !== 'object') return false;
    const { method, params } = body as { method?: unknown; params?: Record<string, unknown> };
    if (method === 'tasks/get' || method === 'tasks/update' || method === 'tasks/cancel') return true;
    return (
      method === 'tools/call' &&
      typeof params?.['name'] === 'string' &&
      tools.has(params['name']) &&
      declaresTasks(params)
    );
  };
}

/** Serves the tasks methods on `server`; `lookup`: the tools of the load serving the request. */
export function installTasks(
  server: McpServer,
  tasks: Tasks,
  lookup: (tool: string) => TaskTool | undefined,
  schemas: Parameters<typeof fromJsonSchema>[1],
): void {
  const byId = { type: 'object', properties: { taskId: { type: 'string', minLength: 1 } }, required: ['taskId'] };
  const id = fromJsonSchema<{ taskId: string }>(byId as never, schemas);
  server.server.setRequestHandler('tasks/get', { params: id }, (params, ctx) => tasks.get(params.taskId, ctx, lookup));
  // The SDK lifts `inputResponses` out of the params of every request (the multi round-trip vocabulary).
  server.server.setRequestHandler('tasks/update', { params: id }, async (params, ctx) => {
    await tasks.update(params.taskId, { ...ctx.mcpReq.inputResponses }, ctx, lookup);
    return {};
  });
  server.server.setRequestHandler('tasks/cancel', { params: id }, async (params, ctx) => {
    await tasks.cancel(params.taskId, ctx, lookup);
    return {};
  });
  server.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });
}
