/**
 * What a request asked for, read from its parsed JSON body, for the access log: the
 * JSON-RPC method and, for tools/call, the tool. Client-chosen strings, so cut short;
 * noted only when the access log is on.
 */
import type { ServerResponse } from 'node:http';

export interface RequestedCall {
  readonly rpcMethod?: string;
  readonly tool?: string;
}

const MAX_LENGTH = 128;

const calls = new WeakMap<ServerResponse, RequestedCall>();

export function requestedCall(res: ServerResponse): RequestedCall | undefined {
  return calls.get(res);
}

export function noteRequestedCall(res: ServerResponse, body: unknown): void {
  calls.set(res, describeCall(body));
}

function describeCall(body: unknown): RequestedCall {
  const { method, params } = (body ?? {}) as { method?: unknown; params?: { name?: unknown } };
  const short = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_LENGTH) : undefined);
  const tool = method === 'tools/call' ? short(params?.name) : undefined;
  return { ...(short(method) !== undefined && { rpcMethod: short(method) }), ...(tool !== undefined && { tool }) };
}
