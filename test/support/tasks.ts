/**
 * A 2026-07-28 client of the tasks extension: the SDK's v2 client for `tasks/get`,
 * `tasks/update` and `tasks/cancel`, and a plain POST, with the headers and `_meta`
 * envelope that client sends, for the `tools/call` that creates a task: the SDK client
 * refuses a `tools/call` answered with a task (typescript-sdk#2189).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import * as z from 'zod';

export const TASKS = 'io.modelcontextprotocol/tasks';

/** A JSON-RPC message or result as the tests read it, field by field. */
// biome-ignore lint/suspicious/noExplicitAny: wire JSON, whose shape each test asserts
export type Wire = Record<string, any>;
const DECLARED = { extensions: { [TASKS]: {} } };
const ANY = z.looseObject({});

export interface TaskClient {
  /** POSTs the `tools/call`; resolves with the HTTP status and the JSON-RPC message. */
  call(
    name: string,
    args?: Record<string, unknown>,
    extra?: Record<string, unknown>,
  ): Promise<{ status: number; body: Wire }>;
  get(taskId: string): Promise<Wire>;
  update(taskId: string, inputResponses: Record<string, unknown>): Promise<Wire>;
  cancel(taskId: string): Promise<Wire>;
  /** Polls `tasks/get` until the task is completed, failed or cancelled. */
  settled(taskId: string, ms?: number): Promise<Wire>;
  /** Polls `tasks/get` until the task has `status`. */
  reaches(taskId: string, status: string, ms?: number): Promise<Wire>;
  close(): Promise<void>;
}

/** `declare`: whether requests declare the extension (both the SDK client's and the POSTs). */
export async function taskClient(url: string, token?: string, declare = true): Promise<TaskClient> {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  const client = new Client(
    { name: 'test-tasks', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...(declare && { capabilities: DECLARED }) },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  let id = 0;
  const request = (method: string, params: Record<string, unknown>) =>
    client.request({ method, params } as never, ANY) as Promise<Wire>;
  const poll = async (taskId: string, done: (task: Wire) => boolean, ms: number) => {
    const until = Date.now() + ms;
    for (;;) {
      const task = await request('tasks/get', { taskId });
      if (done(task)) return task;
      if (Date.now() > until) throw new Error(`task ${taskId} still ${task['status']} after ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    async call(name, args = {}, extra = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': name,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: ++id,
          method: 'tools/call',
          params: {
            name,
            arguments: args,
            ...extra,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': declare ? { elicitation: {}, ...DECLARED } : {},
            },
          },
        }),
      });
      return { status: response.status, body: (await response.json()) as Wire };
    },
    get: (taskId) => request('tasks/get', { taskId }),
    update: (taskId, inputResponses) => request('tasks/update', { taskId, inputResponses }),
    cancel: (taskId) => request('tasks/cancel', { taskId }),
    settled: (taskId, ms = 10_000) =>
      poll(taskId, (task) => ['completed', 'failed', 'cancelled'].includes(task['status']), ms),
    reaches: (taskId, status, ms = 10_000) => poll(taskId, (task) => task['status'] === status, ms),
    close: () => client.close(),
  };
}
