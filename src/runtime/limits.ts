/** The runtime's own limits and timeouts, in one place (what a manifest can set is in `DEFAULTS`). */
export const LIMITS = {
  /** How long `close()` waits for calls in flight (`RuntimeOptions.drainMs` overrides it). */
  drainMs: 10_000,
  /** How long `close()` then waits for notification streams to end. */
  streamEndMs: 1_000,
  /** The longest a whole request may take to arrive; never below `http.headersTimeoutMs`. */
  requestTimeoutMs: 60_000,
  /** How often sockets are checked against those timeouts; never above `http.headersTimeoutMs`. */
  connectionsCheckMs: 1_000,
  /** 2025-11-25 sessions open at once. */
  maxSessions: 1000,
  /** A 2025-11-25 session unused this long is closed. */
  sessionIdleMs: 30 * 60_000,
  /** Events kept per session for replay after a dropped stream (Last-Event-ID). */
  maxEvents: 1000,
  /** The reconnection delay every SSE stream suggests to its client (SSE `retry`, SEP-1699). */
  streamRetryMs: 1_000,
} as const;
