/**
 * `completion/complete` for prompt arguments and template variables: fixed values
 * (filtered by what the user typed) or a handler `(value, context) => string[]`.
 * One handler per server, installed before the SDK would install its own; a caller
 * without the item's scopes gets no values.
 */
import {
  type CompleteResult,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { scopeChallenge } from '../auth/scopes.js';
import type { HandlerRunner } from '../handlers/runner.js';
import type { ResolvedCompletion, ScopePolicy } from '../manifest.js';
import { callHandler, type PrepareEnv } from './calls.js';

/** Completion sources of one blueprint: by `prompt:NAME` or `template:URI_TEMPLATE`. */
export interface Completions {
  readonly byRef: ReadonlyMap<
    string,
    {
      readonly scopes: ScopePolicy;
      readonly complete: ResolvedCompletion;
      readonly runners: ReadonlyMap<string, HandlerRunner>;
    }
  >;
}

const MAX_VALUES = 100;

export function installCompletion(server: McpServer, current: () => Completions, env: PrepareEnv): void {
  server.server.registerCapabilities({ completions: {} });
  server.server.setRequestHandler('completion/complete', async (request, ctx) => {
    const { ref, argument, context } = request.params;
    const key =
      ref.type === 'ref/prompt'
        ? `prompt:${ref.name}`
        : ref.type === 'ref/resource'
          ? `template:${ref.uri}`
          : undefined;
    const entry = key === undefined ? undefined : current().byRef.get(key);
    if (!entry)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Nothing to complete for ${JSON.stringify(ref)}`);
    const auth = authOf(ctx.http?.authInfo);
    if (auth && scopeChallenge(entry.scopes, auth.scopes)) return result([]);
    const source = entry.complete[argument.name];
    if (!source) return result([]);
    if ('values' in source) return result(source.values.filter((v) => v.startsWith(argument.value)));
    const outcome = await callHandler(
      entry.runners.get(argument.name)!,
      [argument.value, context ?? {}],
      ctx as ServerContext,
      `completion of ${argument.name}`,
      source.timeoutMs,
      env,
    );
    const values =
      'value' in outcome && Array.isArray(outcome.value)
        ? outcome.value.filter((v): v is string => typeof v === 'string')
        : [];
    return result(values);
  });
}

function result(values: string[]): CompleteResult {
  return {
    completion: { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES },
  };
}
