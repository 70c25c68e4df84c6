/**
 * `WWW-Authenticate: Bearer ...` challenges (RFC 6750 section 3, RFC 9728 section 5.1).
 */

export interface Challenge {
  /** Absent when the request carried no credentials (RFC 6750 section 3.1). */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  description?: string;
  /** Scopes to request. */
  scopes?: readonly string[];
  resourceMetadata: string;
}

/** `Bearer error="invalid_token", error_description="...", scope="a b", resource_metadata="..."` */
export function challengeHeader(c: Challenge): string {
  const params: string[] = [];
  if (c.error) params.push(`error="${quote(c.error)}"`);
  if (c.description) params.push(`error_description="${quote(c.description)}"`);
  if (c.scopes && c.scopes.length > 0) params.push(`scope="${quote(c.scopes.join(' '))}"`);
  params.push(`resource_metadata="${quote(c.resourceMetadata)}"`);
  return `Bearer ${params.join(', ')}`;
}

/** The HTTP status RFC 6750 gives each error. */
export function challengeStatus(c: Challenge): 400 | 401 | 403 {
  return c.error === 'invalid_request' ? 400 : c.error === 'insufficient_scope' ? 403 : 401;
}

/** The JSON body sent with a challenge. */
export function challengeBody(c: Challenge): Record<string, string> {
  if (!c.error) return { error: 'unauthorized', error_description: 'A bearer token is required' };
  return { error: c.error, ...(c.description && { error_description: c.description }) };
}

// RFC 6750 error_description is %x20-21 / %x23-5B / %x5D-7E: drop what cannot be quoted.
function quote(value: string): string {
  return value.replace(/[^\x20-\x7E]/g, '').replace(/["\\]/g, "'");
}
