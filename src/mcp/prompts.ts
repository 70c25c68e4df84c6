/**
 * Prompts: static messages with `{{argument}}` substituted, or a handler that builds
 * them. Arguments are strings; required ones are checked by the SDK.
 */
import {
  fromJsonSchema,
  type GetPromptResult,
  type InputRequiredResult,
  type PromptMessage,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { HandlerRunner } from '../handlers/runner.js';
import type { ResolvedPrompt } from '../manifest.js';
import { callFailure, callHandler, type PrepareEnv, scopeCheck } from './calls.js';
import type { PreparedItem } from './item.js';

export interface PreparedPrompt extends PreparedItem {
  get(args: Record<string, string>, ctx: ServerContext): Promise<GetPromptResult | InputRequiredResult>;
}

export function preparePrompt(
  prompt: ResolvedPrompt,
  runner: HandlerRunner | undefined,
  env: PrepareEnv,
): PreparedPrompt {
  const { schemas, log } = env;
  const argsSchema =
    prompt.arguments.length === 0
      ? undefined
      : fromJsonSchema<Record<string, string>>(
          {
            type: 'object',
            properties: Object.fromEntries(
              prompt.arguments.map((a) => [
                a.name,
                {
                  type: 'string',
                  ...(a.title !== undefined && { title: a.title }),
                  ...(a.description !== undefined && { description: a.description }),
                },
              ]),
            ),
            required: prompt.arguments.filter((a) => a.required).map((a) => a.name),
          } as never,
          schemas,
        );
  const config = {
    ...(prompt.title !== undefined && { title: prompt.title }),
    ...(prompt.description !== undefined && { description: prompt.description }),
    ...(prompt.icons !== undefined && { icons: [...prompt.icons] }),
    scopeChallenge: scopeCheck(prompt.scopes, `The ${prompt.name} prompt`),
  };
  const get = async (
    args: Record<string, string>,
    ctx: ServerContext,
  ): Promise<GetPromptResult | InputRequiredResult> => {
    const { source } = prompt;
    if (source.kind === 'messages') {
      return {
        ...(prompt.description !== undefined && { description: prompt.description }),
        messages: source.messages.map((m) => ({
          role: m.role,
          content:
            m.content !== undefined
              ? (m.content as PromptMessage['content'])
              : { type: 'text', text: substitute(m.text ?? '', args) },
        })),
      };
    }
    try {
      const outcome = await callHandler(runner!, [args], ctx, prompt.name, prompt.timeoutMs, env);
      return 'inputRequired' in outcome ? outcome.inputRequired : toGetPromptResult(outcome.value, prompt.description);
    } catch (error) {
      const failure = callFailure(error, `prompt ${prompt.name}`, log);
      throw new ProtocolError(ProtocolErrorCode.InternalError, `The ${prompt.name} prompt failed: ${failure.message}`);
    }
  };
  return {
    id: `prompt:${prompt.name}`,
    signature: JSON.stringify(prompt),
    get,
    register: (server, current) =>
      argsSchema
        ? server.registerPrompt(prompt.name, { ...config, argsSchema }, (args, ctx) =>
            (current() as PreparedPrompt).get(args, ctx),
          )
        : server.registerPrompt(prompt.name, config, (ctx) => (current() as PreparedPrompt).get({}, ctx)),
  };
}

/** `{{name}}` → the argument's value (missing optional arguments become empty). */
function substitute(text: string, args: Record<string, string>): string {
  return text.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_, name: string) => args[name] ?? '');
}

/** A string is one user message; a list is the messages (strings become user text); `{ messages }` passes as is. */
export function toGetPromptResult(value: unknown, description: string | undefined): GetPromptResult {
  const withDescription = (messages: PromptMessage[]): GetPromptResult => ({
    ...(description !== undefined && { description }),
    messages,
  });
  const message = (m: unknown): PromptMessage =>
    typeof m === 'string' ? { role: 'user', content: { type: 'text', text: m } } : (m as PromptMessage);
  if (typeof value === 'string') return withDescription([message(value)]);
  if (Array.isArray(value)) return withDescription(value.map(message));
  if (value !== null && typeof value === 'object' && Array.isArray((value as { messages?: unknown }).messages))
    return value as GetPromptResult;
  throw new TypeError('the handler returned neither a string, a list of messages nor { messages }');
}
