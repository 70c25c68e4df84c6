/**
 * What operators see: one JSON line per request and per tool decision (`http.accessLog`),
 * and Prometheus metrics at `GET /metrics` (`http.metrics`, prom-client). Records carry
 * the caller's issuer, subject and client id, never a token.
 */
import type { Registry } from 'prom-client';

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  /** JSON-RPC method, from the body or the `Mcp-Method` header (2026-07-28). */
  readonly rpcMethod?: string;
  /** The tool a tools/call names. */
  readonly tool?: string;
  readonly issuer?: string;
  readonly subject?: string;
  readonly clientId?: string;
  readonly status: number;
  readonly durationMs: number;
  /** allow, or deny with the reason (invalid_token, insufficient_scope, rate_limited, ...). */
  readonly decision: 'allow' | 'deny' | 'error';
  readonly reason?: string;
}

export interface ToolRecord {
  readonly tool: string;
  readonly issuer?: string;
  readonly subject?: string;
  readonly clientId?: string;
  readonly decision: 'allow' | 'deny';
  /** For allowed calls: ok, error, timeout, cancelled, input_required. For denials: the missing scopes. */
  readonly outcome: string;
}

export interface Observer {
  request(record: RequestRecord): void;
  tool(record: ToolRecord): void;
  jwksFetch(outcome: 'ok' | 'error'): void;
  /** Starts counting for `/metrics` (loads prom-client, once); counts start from here. */
  enableMetrics(): Promise<void>;
  /** Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

/** `accessLog` is read per record, so a reload can turn it on or off. */
export function createObserver(options: { accessLog: () => boolean; write: (line: string) => void }): Observer {
  let counters: Counters | undefined;
  let enabling: Promise<void> | undefined;
  const enableMetrics = () => (enabling ??= createCounters().then((c) => void (counters = c)));
  const line = (type: string, record: object) =>
    options.accessLog() && options.write(JSON.stringify({ time: new Date().toISOString(), type, ...record }));
  return {
    request(record) {
      counters?.request(record);
      line('request', record);
    },
    tool(record) {
      counters?.tool(record);
      line('audit', record);
    },
    jwksFetch(outcome) {
      counters?.jwksFetch(outcome);
    },
    enableMetrics,
    async metrics() {
      await enableMetrics();
      return { contentType: counters!.registry.contentType, body: await counters!.registry.metrics() };
    },
  };
}

type Counters = Pick<Observer, 'request' | 'tool' | 'jwksFetch'> & { readonly registry: Registry };

/** prom-client takes ~40 ms to load, so only servers with `http.metrics` import it. */
async function createCounters(): Promise<Counters> {
  const { Counter, Histogram, Registry } = await import('prom-client');
  const registry = new Registry();
  const requests = new Counter({
    name: 'mcp_oauth_requests_total',
    help: 'HTTP requests by method, status and decision',
    labelNames: ['method', 'status', 'decision'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'mcp_oauth_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'mcp_oauth_auth_failures_total',
    help: 'Refused requests by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const tools = new Counter({
    name: 'mcp_oauth_tool_calls_total',
    help: 'Tool calls by tool, decision and outcome',
    labelNames: ['tool', 'decision', 'outcome'],
    registers: [registry],
  });
  const jwks = new Counter({
    name: 'mcp_oauth_jwks_fetches_total',
    help: 'JWKS fetches by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return {
    registry,
    request(record) {
      requests.inc({ method: record.method, status: String(record.status), decision: record.decision });
      latency.observe({ method: record.method }, record.durationMs / 1000);
      if (record.decision === 'deny' && record.reason) authFailures.inc({ reason: record.reason });
    },
    tool(record) {
      tools.inc({
        tool: record.tool,
        decision: record.decision,
        outcome: record.decision === 'deny' ? 'insufficient_scope' : record.outcome,
      });
    },
    jwksFetch(outcome) {
      jwks.inc({ outcome });
    },
  };
}
