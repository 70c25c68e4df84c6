/**
 * The Content-Security-Policy of the dev authorization server's pages: nothing loads but
 * inline style, no one may frame them, and forms go only to this server and to the one
 * redirect URI the interaction will end at.
 *
 * Why the redirect URI is listed: CSP Level 3 applies `form-action` to every redirect that
 * follows a form submission, not only to the form's own target (w3c/webappsec-csp#8), and
 * Chromium enforces it. "Allow" posts to /oauth/interaction/<uid> ('self'), which redirects
 * to oidc-provider's resume at /oauth/authorize/<uid> ('self'), which answers 303 to the
 * client's redirect_uri, e.g. http://127.0.0.1:6274/oauth/callback. With `'self'` alone
 * that last hop is blocked and the user is left on the consent page.
 */

const BASE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

// The part of the CSP3 source grammar (§2.3.1 Source Lists) that a scheme and host fit in.
// Anyone may register a redirect URI (open dynamic registration) and WHATWG URL keeps `;`,
// `,` and quotes in hosts, so nothing outside this grammar may reach the header.
const SCHEME_SOURCE = /^[a-z][a-z0-9+.-]*:$/;
const HOST_SOURCE = /^[a-z][a-z0-9+.-]*:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

/**
 * The policy for a page whose form ends at `redirectUri`, which the caller has checked
 * against the client's registration. Without one, forms may go to this server only.
 *
 * @example contentSecurityPolicy('http://127.0.0.1:6274/oauth/callback?x=1')
 * // "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' http://127.0.0.1:6274"
 */
export function contentSecurityPolicy(redirectUri?: string): string {
  const target = redirectUri === undefined ? undefined : formActionSource(redirectUri);
  return `${BASE_POLICY}; form-action 'self'${target ? ` ${target}` : ''}`;
}

/**
 * The narrowest source expression matching a redirect URI: scheme, host and port. Paths
 * would not count anyway: CSP3 ignores them once a request has been redirected ("Does url
 * match expression in origin with redirect count?"). A URI whose host the grammar cannot
 * carry (an IPv6 literal, which Chromium ignores as an invalid source; a custom scheme
 * without a host) is matched by its scheme alone.
 */
function formActionSource(redirectUri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return undefined;
  }
  const hostSource = `${url.protocol}//${url.host}`;
  if (url.host !== '' && HOST_SOURCE.test(hostSource)) return hostSource;
  return SCHEME_SOURCE.test(url.protocol) ? url.protocol : undefined;
}
