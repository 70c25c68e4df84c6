/**
 * Calling a handler from an SDK request: the caller's identity, a signal that also
 * fires on timeout, log/progress to this request's client, and the answers of
 * earlier rounds (ctx.elicit / ctx.sample, see context.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  type InputRequiredResult,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  type ScopeChallengeHandler,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { scopeChallenge } from '../auth/scopes.js';
import type { AuthContext } from '../auth/types.js';
import type { LoadedManifest } from '../config/index.js';
import { InputNeeded, type Question } from '../handlers/context.js';
import type { ContextSinks, HandlerCall, HandlerRunner } from '../handlers/runner.js';
import type { Logger } from '../log.js';
import type { ScopePolicy } from '../manifest.js';
import type { Observer } from '../observe.js';
import type { Tasks } from '../tasks/engine.js';

/** What a multi-round call carries between rounds: the answers so far. */
export interface RoundState {
  readonly answers: Record<string, unknown>;
}

/** Seals and opens the answers carried between rounds. */
export interface RoundSeal {
  mint(state: RoundState, ctx: ServerContext): Promise<string>;
  verify(state: string, ctx: ServerContext): Promise<RoundState>;
}

/** Without a shared store: one key per process, so a round may cross a reload (but not another process). */
const PROCESS_KEY = randomBytes(32);

/**
 * Seals the answers between rounds (HMAC, bound to the method and the caller's
 * principal, as a JSON array so the parts cannot run into each other): requestState
 * travels through the client and comes back untrusted. A token naming no subject nor
 * client has no principal: its rounds are bound to no one, as without authorization.
 * `key`: the process's key, or the one every replica shares (store/seal-key.ts), which
 * may have to be read from the store first.
 */
export function createRoundSeal(key: () => Promise<Uint8Array> = async () => PROCESS_KEY): RoundSeal {
  let codec: { key: Uint8Array; rounds: ReturnType<typeof createRequestStateCodec<RoundState>> } | undefined;
  const rounds = async () => {
    const current = await key();
    if (codec?.key !== current)
      codec = {
        key: current,
        rounds: createRequestStateCodec<RoundState>({
          key: current,
          bind: (ctx) => JSON.stringify([ctx.mcpReq.method, authOf(ctx.http?.authInfo)?.principal ?? null]),
        }),
      };
    return codec.rounds;
  };
  return {
    async mint(state, ctx) {
      let sealer: Awaited<ReturnType<typeof rounds>>;
      try {
        sealer = await rounds();
      } catch (error) {
        // The question cannot be asked: a JSON-RPC error the client may retry, not the handler's failure.
        throw new ProtocolError(
          ProtocolErrorCode.InternalError,
          `This call asks a question, whose requestState is sealed with a key from the shared store, which cannot give it now (${error instanceof Error ? error.message : String(error)}); retry shortly`,
        );
      }
      return sealer.mint(state, ctx);
    },
    verify: async (state, ctx) => (await rounds()).verify(state, ctx),
  };
}

/** Why a call produced no value. */
export class CallFailed extends Error {
  override readonly name = 'CallFailed';
  readonly reason: 'timeout' | 'cancelled' | 'error';
  constructor(reason: CallFailed['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export type CallOutcome = { readonly value: unknown } | { readonly inputRequired: InputRequiredResult };

/**
 * What a failed call of `what` (`tool NAME`, `prompt NAME`, `resource URI`) threw, as a
 * `CallFailed`: anything else (a result the item cannot convert, say) becomes reason
 * 'error'. Logged here, once, with its stack, when it is the handler's error; a timeout
 * or a cancellation is no fault of the handler's code. A ProtocolError (a client
 * capability missing) is rethrown untouched: it is a JSON-RPC error, not the item's
 * failure. Each kind then turns the `CallFailed` into its own answer.
 */
export function callFailure(error: unknown, what: string, log: Logger): CallFailed {
  if (error instanceof ProtocolError) throw error;
  const failure = error instanceof CallFailed ? error : new CallFailed('error', messageOf(error), { cause: error });
  if (failure.reason === 'error') log.error(`${what} failed: ${describe(failure.cause ?? failure)}`);
  return failure;
}

/** An error with its stack, for the log. */
function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What prepared items need from the runtime. */
export interface PrepareEnv {
  readonly schemas: LoadedManifest['schemas'];
  readonly log: Logger;
  /** Announces a change of a resource to its subscribers (both eras). */
  readonly resourceUpdated: (uri: string) => void;
  /** The audit stream and metrics of tool decisions. */
  readonly observer?: Observer;
  /** Seals the answers a multi-round call carries in requestState. */
  readonly seal: RoundSeal;
  /** Runs the calls of tools that support tasks as tasks. */
  readonly tasks?: Tasks;
}

/**
 * Runs `runner` for the request `ctx`, aborting it after `timeoutMs` (the only place a
 * timeout is applied); a handler's throw becomes `CallFailed`.
 */
export async function callHandler(
  runner: HandlerRunner,
  args: readonly unknown[],
  ctx: ServerContext,
  name: string,
  timeoutMs: number,
  env: PrepareEnv,
): Promise<CallOutcome> {
  const { signal, timedOut, dispose } = callSignal(ctx.mcpReq.signal, timeoutMs);
  const answers = roundAnswers(ctx);
  const clientCapabilities = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[
    CLIENT_CAPABILITIES_META_KEY
  ] as Record<string, unknown> | undefined;
  const call: HandlerCall = {
    auth: authOf(ctx.http?.authInfo),
    signal,
    toolName: name,
    clientCapabilities,
    sinks: sinksOf(ctx, env),
    answers,
  };
  try {
    return {
      value: await raceAbort(
        Promise.resolve().then(() => runner(args, call)),
        signal,
      ),
    };
  } catch (error) {
    if (error instanceof InputNeeded) return { inputRequired: await askRound(error, answers, ctx, env) };
    if (error instanceof ProtocolError) throw error;
    if (timedOut()) throw new CallFailed('timeout', `${name} timed out after ${timeoutMs} ms`);
    if (ctx.mcpReq.signal.aborted) throw new CallFailed('cancelled', `${name} was cancelled`);
    throw new CallFailed('error', messageOf(error), { cause: error });
  } finally {
    dispose();
  }
}

/** The answers of the earlier rounds of this request (sealed in requestState) and of this one. */
export function roundAnswers(ctx: ServerContext): Record<string, unknown> {
  const earlier = ctx.mcpReq.requestState<RoundState>()?.answers ?? {};
  return { ...earlier, ...ctx.mcpReq.inputResponses };
}

/**
 * The input-required round that asks the questions of `error`, carrying `answers`
 * sealed in requestState. The SDK refuses questions the client did not declare the
 * capability for (-32021).
 */
/** The questions of `error` as the input requests of a round or of a task. */
export function inputRequestsOf(error: InputNeeded): Record<string, ReturnType<typeof toInputRequest>> {
  return Object.fromEntries(Object.entries(error.questions).map(([key, q]) => [key, toInputRequest(q)]));
}

export async function askRound(
  error: InputNeeded,
  answers: Record<string, unknown>,
  ctx: ServerContext,
  env: Pick<PrepareEnv, 'seal'>,
): Promise<InputRequiredResult> {
  return inputRequired({ inputRequests: inputRequestsOf(error), requestState: await env.seal.mint({ answers }, ctx) });
}

/**
 * The handler's signal: aborts when the request is cancelled or after `ms`. Its timer
 * is cleared once the call settles; `AbortSignal.timeout` would keep a timer and a
 * signal alive for the whole timeout after every call.
 */
function callSignal(request: AbortSignal, ms: number): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError'));
  }, ms).unref();
  const follow = () => controller.abort(request.reason);
  if (request.aborted) follow();
  else request.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      request.removeEventListener('abort', follow);
    },
  };
}

function toInputRequest(q: Question) {
  switch (q.method) {
    case 'elicitation/create':
      return inputRequired.elicit(q.params);
    case 'sampling/createMessage':
      return inputRequired.createMessage(q.params);
    case 'roots/list':
      return inputRequired.listRoots();
  }
}

/** Where a handler's log and progress go: the client of this request. */
function sinksOf(ctx: ServerContext, env: PrepareEnv): ContextSinks {
  const token = ctx.mcpReq._meta?.progressToken;
  return {
    resourceUpdated: async (uri) => env.resourceUpdated(uri),
    closeStream: async () => ctx.http?.closeSSE?.(),
    log: (level, data, logger) => ctx.mcpReq.log(level, data, logger),
    progress: async (progress, total, message) => {
      if (token === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress,
          ...(total !== undefined && { total }),
          ...(message !== undefined && { message }),
        },
      });
    },
  };
}

/** Settles with `work`, or rejects as soon as `signal` aborts (a handler that ignores its signal no longer holds the call). */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The SDK's per-item scope check: the SDK answers HTTP 403 insufficient_scope with a
 * WWW-Authenticate challenge, in both protocol eras, before anything runs.
 */
export function scopeCheck(
  policy: ScopePolicy,
  what: string,
  onDeny?: (auth: AuthContext, needed: readonly string[]) => void,
): ScopeChallengeHandler {
  return ({ authInfo }) => {
    const auth = authOf(authInfo);
    const needed = auth && scopeChallenge(policy, auth.scopes);
    if (!needed) return undefined;
    onDeny?.(auth, needed);
    return { scopes: needed as [string, ...string[]], errorDescription: `${what} needs scope ${needed.join(' ')}` };
  };
}
