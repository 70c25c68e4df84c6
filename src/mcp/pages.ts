/**
 * Pagination of the four lists (tools, resources, templates, prompts): a page of
 * `pageSize` items and an opaque `nextCursor`. The SDK's list handlers return every
 * item, so each is wrapped: the SDK builds the full list, and this returns one page.
 */
import { type McpServer, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

const LISTS = [
  ['tools/list', 'tools'],
  ['resources/list', 'resources'],
  ['resources/templates/list', 'resourceTemplates'],
  ['prompts/list', 'prompts'],
] as const;

export type ListKey = (typeof LISTS)[number][1];

type StoredHandler = (request: unknown, ctx: unknown) => Promise<Record<string, unknown>>;

/**
 * Call after the items are registered (the SDK installs list handlers on first
 * registration). `counts`, when given, skips the lists that fit on one page, so a
 * server built per request does no wrapping for them.
 */
export function paginateLists(server: McpServer, pageSize: number, counts?: Readonly<Record<ListKey, number>>): void {
  // `_getRequestHandler` is the SDK's protected accessor for a stored handler chain.
  const low = server.server as unknown as { _getRequestHandler(method: string): StoredHandler | undefined };
  for (const [method, key] of LISTS) {
    if (counts && counts[key] <= pageSize) continue;
    const full = low._getRequestHandler(method);
    if (!full) continue;
    server.server.removeRequestHandler(method);
    server.server.setRequestHandler(method, async (request, ctx) => {
      const result = await full(request, ctx);
      const items = result[key] as unknown[];
      const start = decodeCursor((request as { params?: { cursor?: string } }).params?.cursor);
      if (start > items.length)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: start again without one');
      const end = start + pageSize;
      return {
        ...result,
        [key]: items.slice(start, end),
        ...(end < items.length && { nextCursor: encodeCursor(end) }),
      } as never;
    });
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match)
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      'Invalid cursor: pass back the nextCursor of the previous page',
    );
  return Number(match[1]);
}
