/** The two real SDK clients: v2 pinned to 2026-07-28, v1 speaking 2025-11-25. */
import { connect } from 'node:net';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface TestClient {
  readonly era: '2026-07-28' | '2025-11-25';
  listTools(): Promise<{
    tools: { name: string; inputSchema: unknown; outputSchema?: unknown; annotations?: unknown }[];
  }>;
  callTool(
    name: string,
    args?: Record<string, unknown>,
  ): Promise<{ content?: unknown; structuredContent?: unknown; isError?: boolean }>;
  close(): Promise<void>;
}

function headers(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
}

/** The calls the tests make, which both SDK clients offer under the same names. */
interface SdkClient {
  listTools(): Promise<unknown>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

function adapt(era: TestClient['era'], client: SdkClient): TestClient {
  return {
    era,
    listTools: () => client.listTools() as never,
    callTool: (name, args = {}) => client.callTool({ name, arguments: args }) as never,
    close: () => client.close(),
  };
}

export async function connectModern(url: string, token?: string): Promise<TestClient> {
  const client = new ModernClient(
    { name: 'test-modern', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new ModernTransport(new URL(url), { requestInit: { headers: headers(token) } }));
  return adapt('2026-07-28', client as unknown as SdkClient);
}

export async function connectLegacy(url: string, token?: string): Promise<TestClient> {
  const client = new LegacyClient({ name: 'test-legacy', version: '1.0.0' });
  await client.connect(new LegacyTransport(new URL(url), { requestInit: { headers: headers(token) } }));
  return adapt('2025-11-25', client as unknown as SdkClient);
}

export const CLIENTS = [
  { era: '2026-07-28', connect: connectModern },
  { era: '2025-11-25', connect: connectLegacy },
] as const;

/** Raw JSON-RPC POST, for asserting exact statuses and headers. */
export async function post(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...(init.signal && { signal: init.signal }),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function toolCall(name: string, args: Record<string, unknown> = {}, id = 1): unknown {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

/** Calls recorded by test/fixtures/handlers/record.js. */
export function recordedCalls(): {
  tool: string;
  input: unknown;
  subject?: string;
  ctxKeys: string[];
  authKeys: string[];
}[] {
  return ((globalThis as Record<string, unknown>)['__mcpOAuthCalls'] as never) ?? [];
}

/** A response reduced to what the assertions need, from fetch or node:http alike. */
export interface Reply {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

export async function fromFetch(response: Response): Promise<Reply> {
  const text = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, text };
}

/** A JSON-RPC message as the assertions read it. */
export type Rpc = {
  id?: unknown;
  method?: string;
  params?: { message?: string };
  result?: {
    content?: { type: string; text?: string }[];
    structuredContent?: Record<string, unknown>;
    isError?: boolean;
    [key: string]: unknown;
  };
  error?: { code: number; message: string; data?: unknown };
};

/** The JSON-RPC messages of an answer: one JSON object or array, or every `data:` line of an SSE stream. */
export function rpcMessages(text: string): Rpc[] {
  if (/^(event|data|id):/m.test(text)) {
    return text
      .split('\n')
      .filter((l) => l.startsWith('data:') && l.length > 5)
      .map((l) => JSON.parse(l.slice(5)) as Rpc);
  }
  const parsed = JSON.parse(text) as Rpc | Rpc[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** The one JSON-RPC message of an answer (JSON, or an SSE stream carrying exactly one). */
export function onlyRpc(text: string): Rpc {
  const all = rpcMessages(text);
  if (all.length !== 1) throw new Error(`expected one JSON-RPC message: ${text.slice(0, 500)}`);
  return all[0]!;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body` on a fresh
 * socket; the whole answer, or what came of it within `timeoutMs` (a stream stays open).
 */
export function rawRequest(url: string, head: string, body = '', timeoutMs = 10_000): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    socket.setTimeout(timeoutMs, () => socket.destroy());
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [statusLine = '', ...lines] = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
      const headers = new Map(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({
        status: Number(statusLine.split(' ')[1]),
        header: (name) => headers.get(name.toLowerCase()),
        text: headers.get('transfer-encoding') === 'chunked' ? dechunk(body) : body,
      });
    });
    // Not end(): the server answers, then closes (Connection: close); a half-closed socket may abort the call.
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`);
  });
}

/** The payload of a chunked body (RFC 9112 section 7.1). */
function dechunk(body: string): string {
  let out = '';
  for (let at = 0; ; ) {
    const end = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, end), 16);
    if (!(size > 0)) return out;
    out += body.slice(end + 2, end + 2 + size);
    at = end + 2 + size + 2;
  }
}
