/**
 * The dev authorization server's one page: sign in as any subject and choose which of
 * the requested scopes to grant, a checkbox each, so step-up can be tried by hand.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { contentSecurityPolicy } from './csp.js';

const MAX_FORM_BYTES = 64 * 1024;
const DEFAULT_SUBJECT = 'dev-user';

interface PageContext {
  readonly serverName: string;
  readonly resourceUrl: string;
  readonly scopes: readonly string[];
}

export async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  page: PageContext,
): Promise<void> {
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return sendHtml(
      res,
      400,
      layout(
        'Sign-in expired',
        '<p>This sign-in request is unknown or has expired. Start again from your MCP client.</p>',
      ),
    );
  }
  const params = details.params as Record<string, string | undefined>;
  const requested = (params['scope'] ?? '').split(' ').filter((s) => page.scopes.includes(s));

  if (req.method === 'GET') {
    const client = await provider.Client.find(params['client_id'] ?? '');
    const clientName = client?.clientName ?? params['client_id'] ?? 'An MCP client';
    // oidc-provider checked redirect_uri before starting the interaction (and filled it in
    // when the client registered one); checked again here because it goes into a header.
    const redirectUri = params['redirect_uri'];
    const policy = contentSecurityPolicy(
      redirectUri && client?.redirectUriAllowed(redirectUri) ? redirectUri : undefined,
    );
    const html = consentPage({
      ...page,
      clientName: String(clientName),
      subject: details.session?.accountId ?? DEFAULT_SUBJECT,
      requested,
      uid: details.uid,
    });
    return sendHtml(res, 200, html, policy);
  }
  if (req.method !== 'POST') return sendHtml(res, 405, layout('Method not allowed', '<p>Use the form.</p>'));

  const form = await readForm(req);
  if (!form) return sendHtml(res, 413, layout('Too large', '<p>The form is too large.</p>'));
  if (form.get('action') !== 'allow') {
    return void (await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user denied the request' },
      { mergeWithLastSubmission: false },
    ));
  }
  const accountId = (form.get('subject') ?? '').trim() || DEFAULT_SUBJECT;
  const chosen = form.getAll('scope').filter((s) => requested.includes(s));
  const grant = new provider.Grant({ accountId, clientId: params['client_id'] ?? '' });
  // The server lists the tool scopes among its OIDC scopes too (clients register with
  // them), so a choice is recorded both for the OIDC side and for this resource.
  const declined = requested.filter((s) => !chosen.includes(s));
  const oidcScopes = (params['scope'] ?? '')
    .split(' ')
    .filter((s) => s === 'openid' || s === 'offline_access' || chosen.includes(s));
  if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
  if (declined.length > 0) grant.rejectOIDCScope(declined.join(' '));
  const resource = params['resource'] ?? page.resourceUrl;
  if (chosen.length > 0) grant.addResourceScope(resource, chosen.join(' '));
  if (declined.length > 0) grant.rejectResourceScope(resource, declined.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

function consentPage(
  p: PageContext & { clientName: string; subject: string; requested: string[]; uid: string },
): string {
  const scopes =
    p.requested.length === 0
      ? '<p>No scopes were requested: the token will only prove who you are.</p>'
      : `<fieldset><legend>Grant these scopes</legend>${p.requested
          .map(
            (s) =>
              `<label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> <code>${escapeHtml(s)}</code></label>`,
          )
          .join('')}</fieldset>`;
  return layout(
    `Authorize ${p.clientName}`,
    `<p><strong>${escapeHtml(p.clientName)}</strong> wants to use <strong>${escapeHtml(p.serverName)}</strong> (<code>${escapeHtml(p.resourceUrl)}</code>).</p>
<form method="post" action="/oauth/interaction/${escapeHtml(p.uid)}">
<label>Sign in as <input name="subject" value="${escapeHtml(p.subject)}" autocomplete="off"></label>
${scopes}
<p><button name="action" value="allow">Allow</button> <button name="action" value="deny">Deny</button></p>
</form>`,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}fieldset{margin:1rem 0}label{display:block;margin:.4rem 0}.dev{background:#fff3cd;padding:.5rem .8rem;border-radius:4px}</style></head>
<body><p class="dev">mcp-serve development authorization server: anyone can sign in as anyone. Never use it in production.</p><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string, policy = contentSecurityPolicy()): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': policy,
  });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
