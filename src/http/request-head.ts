/**
 * The request head, checked before anything reads it: each header the server relies on
 * comes once, Host names a host, and the target is a path. Node's parser already answers
 * 400 to a malformed head, an unknown method (`TRACK`), a repeated `Content-Length` and
 * `Content-Length` beside `Transfer-Encoding`. What it accepts it hands on with the first
 * `Host` kept and other repeats joined by ", ", so repeats are counted in `rawHeaders`.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Headers with a single value that the server, or the SDK behind it, reads. RFC 9110
 * section 5.3: only list-based fields may be repeated. (`Authorization` is checked where
 * credentials are read, auth/credentials.ts.)
 */
const SINGLE_VALUED = [
  'Host',
  'Content-Type',
  'Origin',
  'Mcp-Session-Id',
  'MCP-Protocol-Version',
  'Mcp-Method',
  'Mcp-Name',
  'Last-Event-ID',
];
const SINGLE_VALUED_BY_KEY = new Map(SINGLE_VALUED.map((name) => [name.toLowerCase(), name]));

export type RequestHead = { ok: true; url: URL } | { ok: false; description: string };

/**
 * The request's URL, or why the head is refused (the caller answers 400). An
 * absolute-form target (`POST http://host/mcp`) is rewritten to origin-form, its
 * authority taking the place of `Host` as RFC 9112 section 3.2.2 requires, so that the
 * Host check and the SDK see one host and one path.
 */
export function acceptRequestHead(req: IncomingMessage): RequestHead {
  const repeated = repeatedHeader(req.rawHeaders);
  if (repeated)
    return {
      ok: false,
      description: `The request has more than one ${repeated} header; send it once (${repeated === 'Host' ? 'RFC 9112 section 3.2' : 'RFC 9110 section 5.3'})`,
    };
  const target = req.url ?? '/';
  if (!target.startsWith('/') && target !== '*') {
    const absolute = parseUrl(target);
    if (!absolute || (absolute.protocol !== 'http:' && absolute.protocol !== 'https:') || absolute.host === '') {
      return {
        ok: false,
        description: 'The request target is neither a path nor an absolute http URL (RFC 9112 section 3.2)',
      };
    }
    req.headers.host = absolute.host;
    req.url = `${absolute.pathname}${absolute.search}`;
  }
  const host = req.headers.host;
  if (host !== undefined && !isHostAndPort(host))
    return {
      ok: false,
      description: `The Host header ${JSON.stringify(host.slice(0, 100))} is not a host name with an optional port (RFC 9110 section 7.2)`,
    };
  // The path as sent: `//evil/mcp` is the path "//evil/mcp", not the host "evil".
  const url = parseUrl(`http://localhost${req.url === '*' ? '/*' : (req.url ?? '/')}`);
  return url
    ? { ok: true, url }
    : { ok: false, description: 'The request target is not a valid path (RFC 9112 section 3.2)' };
}

/** The first single-valued header that appears more than once, by its usual spelling. */
function repeatedHeader(rawHeaders: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i]!.toLowerCase();
    const name = SINGLE_VALUED_BY_KEY.get(key);
    if (name === undefined) continue;
    if (seen.has(key)) return name;
    seen.add(key);
  }
  return undefined;
}

/** `uri-host [":" port]`: what the SDK can put after `http://` to build the request's URL. */
function isHostAndPort(host: string): boolean {
  const url = host === '' ? undefined : parseUrl(`http://${host}/`);
  return (
    url !== undefined &&
    url.pathname === '/' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === ''
  );
}

/**
 * `new URL`, or undefined when it throws. Not `URL.canParse`: on Node 20 it answers true
 * for some hosts that `new URL` then refuses (a Latin-1 Host such as "\u00c3\u00aa\u00c3\u009f").
 */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
