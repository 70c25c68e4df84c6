/**
 * `mcp-serve list` and `mcp-serve call`: the running server, asked through the official
 * MCP client (`@modelcontextprotocol/client`, 2026-07-28), as any MCP client would ask it.
 * A refusal is turned into the step that fixes it: a 401 asks for a token, a 403 names the
 * scope the challenge asked for.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpOAuthError } from '../errors.js';

export interface ClientTarget {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer …`; never printed. */
  readonly token?: string | undefined;
}

export interface ServerListing {
  readonly tools: readonly { name: string; title?: string; description?: string }[];
  readonly prompts: readonly { name: string; description?: string }[];
  readonly resources: readonly { uri: string; name: string; description?: string }[];
}

export interface CallOutcome {
  readonly isError: boolean;
  readonly result: Record<string, unknown>;
}

/**
 * Lists what the server offers: tools, prompts and resources, each when the server
 * declares that capability.
 *
 * @example await listServer({ url: 'http://127.0.0.1:3000/mcp', token })
 */
export async function listServer(target: ClientTarget): Promise<ServerListing> {
  return withClient(target, async (client) => {
    const capabilities = client.getServerCapabilities() ?? {};
    const tools = capabilities.tools ? (await client.listTools()).tools : [];
    const prompts = capabilities.prompts ? (await client.listPrompts()).prompts : [];
    const resources = capabilities.resources ? (await client.listResources()).resources : [];
    return {
      tools: tools.map((t) => ({
        name: t.name,
        ...(t.title !== undefined && { title: t.title }),
        ...(t.description !== undefined && { description: t.description }),
      })),
      prompts: prompts.map((p) => ({
        name: p.name,
        ...(p.description !== undefined && { description: p.description }),
      })),
      resources: resources.map((r) => ({
        uri: r.uri,
        name: r.name,
        ...(r.description !== undefined && { description: r.description }),
      })),
    };
  });
}

/** Calls one tool; a tool error is an outcome (`isError`), a refusal a `CLIENT_REFUSED` error. */
export async function callServerTool(
  target: ClientTarget,
  name: string,
  args: Record<string, unknown>,
): Promise<CallOutcome> {
  return withClient(target, async (client) => {
    const result = (await client.callTool({ name, arguments: args })) as Record<string, unknown>;
    return { isError: result['isError'] === true, result };
  });
}

/** The JSON arguments of `mcp-serve call`, which must be an object. */
export function parseToolArguments(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new McpOAuthError(
      'INVALID_ARGUMENTS',
      `the tool's arguments are not JSON (${(error as Error).message}): pass an object such as '{"name":"Ada"}'`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new McpOAuthError(
      'INVALID_ARGUMENTS',
      `the tool's arguments must be a JSON object such as '{"name":"Ada"}', not ${JSON.stringify(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * The human form of a listing. `toolScopes` (from this manifest) adds what each tool
 * needs, which MCP itself does not list.
 */
export function formatListing(
  url: string,
  listing: ServerListing,
  toolScopes: ReadonlyMap<string, string> = new Map(),
): string {
  const lines = [`${url}`];
  const section = <T>(title: string, items: readonly T[], row: (item: T) => [string, string | undefined]) => {
    lines.push('', `  ${title} (${items.length})`);
    const rows = items.map(row);
    const width = Math.max(0, ...rows.map(([key]) => key.length));
    for (const [key, text] of rows) lines.push(`    ${text === undefined ? key : `${key.padEnd(width)}  ${text}`}`);
  };
  section('Tools', listing.tools, (t) => {
    const scopes = toolScopes.get(t.name);
    const text = t.description ?? t.title;
    return [t.name, scopes === undefined ? text : `${text ?? ''}${text === undefined ? '' : ' '}[${scopes}]`];
  });
  if (listing.prompts.length > 0) section('Prompts', listing.prompts, (p) => [p.name, p.description]);
  if (listing.resources.length > 0) section('Resources', listing.resources, (r) => [r.uri, r.description ?? r.name]);
  return lines.join('\n');
}

/** The human form of a tool's result: its text content, then its structured content as JSON. */
export function formatCall(outcome: CallOutcome): string {
  const parts: string[] = [];
  const content = Array.isArray(outcome.result['content'])
    ? (outcome.result['content'] as { type?: string; text?: string }[])
    : [];
  for (const block of content)
    parts.push(block.type === 'text' && typeof block.text === 'string' ? block.text : JSON.stringify(block));
  const structured = outcome.result['structuredContent'];
  if (structured !== undefined && !parts.some((text) => text === JSON.stringify(structured)))
    parts.push(JSON.stringify(structured, null, 2));
  return parts.join('\n');
}

async function withClient<T>(target: ClientTarget, use: (client: Client) => Promise<T>): Promise<T> {
  const refusal: { status?: number; challenge?: string | null } = {};
  // Remembers the last refusal's challenge: the SDK's error says only the status.
  const fetchRecording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (response.status === 401 || response.status === 403)
      Object.assign(refusal, { status: response.status, challenge: response.headers.get('www-authenticate') });
    return response;
  };
  const client = new Client(
    { name: 'mcp-serve', version: '1' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const headers: Record<string, string> = target.token === undefined ? {} : { Authorization: `Bearer ${target.token}` };
  let connected = false;
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers }, fetch: fetchRecording }),
    );
    connected = true;
    return await use(client);
  } catch (error) {
    if (refusal.status !== undefined) throw refusedError(target, refusal.status, refusal.challenge ?? null, error);
    if (connected)
      throw new McpOAuthError('CLIENT_FAILED', `the server refused the request: ${describe(error)}`, { cause: error });
    const hint = 'is it running (npx mcp-serve), and is this its URL (--url)?';
    throw new McpOAuthError(
      'CLIENT_FAILED',
      `${target.url} did not answer as an MCP server (${describe(error)}); ${hint}`,
      { cause: error },
    );
  } finally {
    await client.close().catch(() => {});
  }
}

function refusedError(target: ClientTarget, status: number, challenge: string | null, cause: unknown): McpOAuthError {
  const scope = challenge === null ? undefined : /scope="([^"]*)"/.exec(challenge)?.[1];
  if (status === 403) {
    const needs = scope ? `it needs the scope ${scope}` : 'the token lacks a scope it needs';
    return new McpOAuthError(
      'CLIENT_REFUSED',
      `403 insufficient_scope: ${needs}; pass a token that carries it (--token), or with provider dev: npx mcp-serve token --scope ${scope ?? 'SCOPE'}`,
      { cause },
    );
  }
  const reason =
    challenge !== null && /error="invalid_token"/.test(challenge)
      ? 'the token was refused (invalid_token: expired, for another resource, or from another issuer)'
      : 'no token was sent';
  const fix =
    target.token === undefined ? 'pass one with --token TOKEN or MCP_TOKEN' : 'get a fresh token for this URL';
  return new McpOAuthError('CLIENT_REFUSED', `401 from ${target.url}: ${reason}; ${fix}`, { cause });
}

/** The innermost cause says what happened (`connect ECONNREFUSED 127.0.0.1:3000`); the layers above repeat it. */
function describe(error: unknown): string {
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}
