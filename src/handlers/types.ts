/**
 * Types for handler authors: `export const createTodo: ToolHandler<Input> = async (input, ctx) => ...`.
 */
import type {
  CallToolResult,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitResult,
  ListRootsResult,
  LoggingLevel,
} from '@modelcontextprotocol/server';
import type { AuthContext } from '../auth/types.js';

export type { AuthContext };

export interface ToolContext {
  /** The verified caller; undefined when the manifest uses `auth.provider: none`. */
  readonly auth: AuthContext | undefined;
  /** Aborted when the client cancels or the tool's `timeoutMs` passes. */
  readonly signal: AbortSignal;
  /** The tool being called (or the resource, template, prompt). */
  readonly toolName: string;
  /**
   * What the client declared it can do (elicitation, sampling, roots, ...), when known:
   * a 2026-07-28 client sends it with every request. Ask only for what it supports.
   */
  readonly clientCapabilities: Readonly<Record<string, unknown>> | undefined;
  /** Sends a log message to the client (`notifications/message`), if its `logging/setLevel` lets it through. */
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
  /** Reports progress, when the client asked for it (a `progressToken`); otherwise does nothing. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * Asks the user for input through the client (form elicitation) and resolves with the
   * answer (`action`: accept, decline or cancel). The handler is run again from the
   * start once the answer arrives, so code before this call must be safe to repeat.
   */
  elicit(params: Omit<ElicitRequestFormParams, 'mode'> & AskOptions): Promise<ElicitResult>;
  /** Asks the client's model for a completion (`sampling/createMessage`); same replay as `elicit`. */
  sample(params: CreateMessageRequestParams & AskOptions): Promise<CreateMessageResult>;
  /** Tells the clients subscribed to `uri` that it changed (`notifications/resources/updated`). */
  notifyResourceUpdated(uri: string): Promise<void>;
  /**
   * Closes this call's SSE stream on a 2025-11-25 session (SEP-1699): the client
   * reconnects after the `retry` delay and receives, by `Last-Event-ID`, what was sent
   * meanwhile, the result included. Frees the connection during long calls; does
   * nothing where there is no such stream.
   */
  closeStream(): Promise<void>;
  /** Asks the client for its roots (`roots/list`); same replay as `elicit`. */
  listRoots(options?: AskOptions): Promise<ListRootsResult>;
}

export interface AskOptions {
  /** The question's key in the input-required round; default q0, q1, ... in the order asked. */
  readonly key?: string | undefined;
  /**
   * On a tool that runs as a task (`execution.taskSupport`): ask in the call itself,
   * before the task is created, as an input-required round (a confirmation before long
   * work starts, say). Only questions asked in the call's first moments can be; without
   * it, a question becomes the task's input request, answered through `tasks/update`.
   */
  readonly beforeTask?: boolean | undefined;
}

/**
 * A handler returns a full `CallToolResult`, a string (text content), or any other
 * value (sent as `structuredContent` and as JSON text). A throw becomes a tool error.
 */
export type ToolHandler<Input = Record<string, unknown>, Output = unknown> = (
  input: Input,
  ctx: ToolContext,
) => Output | CallToolResult | string | Promise<Output | CallToolResult | string>;
