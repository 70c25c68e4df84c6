/**
 * Where the JWKS lives, when the manifest does not say: the issuer's own metadata,
 * RFC 8414 first, then OpenID Connect discovery. The metadata's `issuer` must equal
 * the configured one exactly (RFC 8414 section 3.3, OpenID Connect Discovery section
 * 4.3): a document naming another issuer could hand us another server's keys.
 */
import * as oauth from 'oauth4webapi';
import { describeCause } from '../errors.js';
import { isLoopbackHost } from '../manifest.js';

const DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * The `jwks_uri` from `issuer`'s metadata. Fails naming each metadata URL tried and why
 * it did not serve. Plain http only for a loopback issuer.
 */
export async function discoverJwksUri(issuer: string): Promise<string> {
  const url = new URL(issuer);
  const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  const failures: { url: string; cause: string }[] = [];
  for (const algorithm of ['oauth2', 'oidc'] as const) {
    let fetched = issuer;
    const fetchNoting = (href: string, init: RequestInit) => fetch((fetched = href), init);
    try {
      const response = await oauth.discoveryRequest(url, {
        algorithm,
        [oauth.allowInsecureRequests]: insecure,
        [oauth.customFetch]: fetchNoting,
        signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
      });
      const metadata = await oauth.processDiscoveryResponse(url, response);
      if (typeof metadata.jwks_uri !== 'string') throw new Error('the metadata has no jwks_uri');
      return metadata.jwks_uri;
    } catch (error) {
      failures.push({ url: urlForLogs(fetched), cause: describeCause(error) });
    }
  }
  const sameCause = failures.every((f) => f.cause === failures[0]!.cause);
  const tried = sameCause
    ? `${failures.map((f) => f.url).join(' or ')} (${failures[0]!.cause})`
    : failures.map((f) => `${f.url} (${f.cause})`).join(' or ');
  throw new Error(`the JWKS URL could not be discovered from ${tried}`);
}

/** A URL for logs and probes: userinfo and the query (which could hold a secret) left out. */
export function urlForLogs(href: string): string {
  try {
    const url = new URL(href);
    url.username = url.password = url.search = url.hash = '';
    return url.href;
  } catch {
    return href;
  }
}
