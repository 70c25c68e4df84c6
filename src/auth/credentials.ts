/**
 * Finds the bearer token of a request (RFC 6750 section 2.1), refusing the forms
 * that leak or confuse: a token in the query string, several Authorization headers.
 */

export type Credentials =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'invalid'; description: string };

// RFC 6750 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * @param rawHeaders Node's `req.rawHeaders` (name, value, name, value...): Node keeps
 *   only the first of duplicate `Authorization` headers in `req.headers`.
 * @param search the request URL's query string.
 */
export function readCredentials(rawHeaders: readonly string[], search: URLSearchParams): Credentials {
  if (search.has('access_token')) {
    return {
      kind: 'invalid',
      description: 'Tokens in the query string are not accepted; send an Authorization: Bearer header',
    };
  }
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'authorization') values.push(rawHeaders[i + 1] ?? '');
  }
  if (values.length > 1) return { kind: 'invalid', description: 'More than one Authorization header' };
  const header = values[0]?.trim();
  if (!header) return { kind: 'none' };
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  // Another scheme (Basic, DPoP, ...) carries no bearer credentials: answer with the bare challenge.
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'none' };
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (!B64TOKEN.test(token))
    return { kind: 'invalid', description: 'Malformed Authorization header; expected "Bearer <token>"' };
  return { kind: 'bearer', token };
}
