/**
 * One transport under a long-lived server that serves many HTTP requests at once.
 * Every request gets an id of its own before the SDK sees it, so two callers that
 * both send `"id": 1` never share a response (the shared-instance bugs of
 * typescript-sdk#2433 and CVE-2026-25536 came from ids that were not remapped). The
 * answer, and every message sent with its `relatedRequestId` (progress, log lines,
 * questions to the client), go back to that request's exchange only, with the
 * caller's id restored; anything related to no open request is dropped. A request
 * whose client hangs up is cancelled alone, as `notifications/cancelled` for its id.
 */
import {
  type AuthInfo,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageClassification,
  type MessageExtraInfo,
  PerRequestHTTPServerTransport,
  type RequestId,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';

/** A JSON-RPC answer: a result or an error, with the id of the request it answers. */
export type JsonRpcAnswer = JSONRPCMessage & { id: RequestId } & ({ result: unknown } | { error: { code: number } });

/** Where the messages about one HTTP request go. */
export interface Exchange {
  /** A message about the request before its answer: progress, a log line, a question to the client. */
  related(message: JSONRPCMessage): void;
  /**
   * The answer, with the caller's id. `fromGate`: sent while the SDK was still
   * dispatching the request, so by one of its validation gates rather than a handler.
   */
  answer(message: JsonRpcAnswer, fromGate: boolean): void;
  /** The transport closed with the request still open (the snapshot is shutting down). */
  abandon(): void;
}

interface Open {
  readonly exchange: Exchange;
  readonly callerId: RequestId;
}

/**
 * It extends the SDK's per-request transport only because `Server.connect` binds an
 * instance to the modern revision when its transport is one, classified at that
 * revision ("Era is instance state"); none of the parent's single-exchange
 * behaviour is used. Given no revision (the 2025-11-25 era), nothing is bound.
 */
export class MultiplexTransport extends PerRequestHTTPServerTransport {
  private readonly open = new Map<number, Open>();
  private readonly classification: MessageClassification | undefined;
  private nextId = 0;
  /** The internal id being dispatched synchronously, while the SDK's gates may answer it. */
  private dispatching: number | undefined;
  private ended = false;

  constructor(revision?: string) {
    const modern: MessageClassification | undefined = revision === undefined ? undefined : { era: 'modern', revision };
    super({ classification: modern ?? { era: 'legacy' } });
    this.classification = modern;
  }

  /** Requests dispatched and not yet answered. */
  get pending(): number {
    return this.open.size;
  }

  override async start(): Promise<void> {}

  /**
   * Hands `request` to the server; its answer and related messages go to `exchange`.
   * Returns the cancellation of this request alone.
   */
  dispatch(request: JSONRPCRequest, authInfo: AuthInfo | undefined, exchange: Exchange): () => void {
    if (this.ended) {
      exchange.abandon();
      return () => {};
    }
    const id = ++this.nextId;
    this.open.set(id, { exchange, callerId: request.id });
    const extra: MessageExtraInfo = {
      ...(this.classification && { classification: this.classification }),
      ...(authInfo && { authInfo }),
    };
    this.dispatching = id;
    try {
      this.onmessage?.({ ...request, id }, extra);
    } finally {
      this.dispatching = undefined;
    }
    return () => this.cancel(id);
  }

  override send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // Only our own server sends here, so the shape tells an answer from the rest
    // (the SDK's Zod guards would cost more than the whole routing).
    const answer = isAnswer(message);
    const id = answer ? message.id : options?.relatedRequestId;
    const entry = typeof id === 'number' ? this.open.get(id) : undefined;
    if (entry === undefined) return Promise.resolve();
    if (answer) {
      this.open.delete(id as number);
      entry.exchange.answer({ ...message, id: entry.callerId }, this.dispatching === id);
    } else {
      entry.exchange.related(message);
    }
    return Promise.resolve();
  }

  override async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const abandoned = [...this.open.values()];
    this.open.clear();
    for (const { exchange } of abandoned) exchange.abandon();
    this.onclose?.();
  }

  override handleMessage(): Promise<Response> {
    return Promise.reject(new Error('MultiplexTransport serves through dispatch()'));
  }

  private cancel(id: number): void {
    if (!this.open.delete(id)) return;
    this.onmessage?.(
      {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'The client disconnected' },
      },
      this.classification && { classification: this.classification },
    );
  }
}

function isAnswer(message: JSONRPCMessage): message is JsonRpcAnswer {
  return !('method' in message) && ('result' in message || 'error' in message);
}
