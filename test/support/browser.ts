/**
 * A scripted user at a browser: follows the authorization redirects with a cookie
 * jar, reads the dev server's consent page, ticks the chosen scopes and submits.
 */
export interface Consent {
  /** Scopes to leave ticked; default all that the page offers. */
  readonly scopes?: readonly string[];
  readonly subject?: string;
  readonly action?: 'allow' | 'deny';
}

export interface ConsentPage {
  readonly html: string;
  /** Scopes the page offers, a checkbox each. */
  readonly offered: string[];
}

export class Browser {
  private readonly cookies = new Map<string, string>();
  /** The last consent page shown. */
  page: ConsentPage | undefined;

  /** Starts at `authorizationUrl`; resolves with the redirect back to `redirectUri` (code or error). */
  async authorize(authorizationUrl: URL | string, redirectUri: string, consent: Consent = {}): Promise<URL> {
    let response = await this.follow(new URL(authorizationUrl), redirectUri);
    if (response instanceof URL) return response;
    const html = await response.text();
    if (response.status !== 200) throw new Error(`authorization failed with ${response.status}: ${html.slice(0, 300)}`);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no consent form in: ${html.slice(0, 300)}`);
    const offered = [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!);
    this.page = { html, offered };
    const form = new URLSearchParams({ subject: consent.subject ?? 'alice', action: consent.action ?? 'allow' });
    for (const scope of consent.scopes ?? offered) form.append('scope', scope);
    response = await this.follow(new URL(action, response.url), redirectUri, { method: 'POST', body: form });
    if (response instanceof URL) return response;
    throw new Error(`consent did not redirect back (${response.status}): ${(await response.text()).slice(0, 300)}`);
  }

  private async follow(
    url: URL,
    redirectUri: string,
    init: { method?: string; body?: URLSearchParams } = {},
  ): Promise<Response | URL> {
    for (let hops = 0; hops < 10; hops++) {
      if (url.href.startsWith(redirectUri)) return url;
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(init.body && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(init.body && { body: init.body }),
      });
      for (const header of response.headers.getSetCookie()) {
        const [pair = ''] = header.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location)
        return Object.defineProperty(response, 'url', { value: url.href });
      await response.body?.cancel();
      url = new URL(location, url);
      init = {};
    }
    throw new Error('too many redirects');
  }
}
