/**
 * Subscribing to a resource needs the scopes reading it does. The SDK checks a
 * resource's scopes on resources/read only: resources/subscribe (2025-11-25) reaches
 * our handler unchecked, and subscriptions/listen (2026-07-28) is served before any
 * scope check. Either would let a token that may not read a resource hold a
 * subscription to it. Decided from the body, before the SDK, in both revisions; the
 * refusal is the SDK's own 403 insufficient_scope, like a refused read.
 */
import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  OAuthError,
  OAuthErrorCode,
  UriTemplate,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { scopeChallenge } from '../auth/scopes.js';
import type { ResolvedResource, ResolvedResourceTemplate, ScopePolicy } from '../manifest.js';

/** A 403 for a request (`body`, the parsed POST body) subscribing to a resource its token may not read, else undefined. */
export type SubscriptionGate = (body: unknown, authInfo: AuthInfo | undefined) => Response | undefined;

interface Guarded {
  readonly matches: (uri: string) => boolean;
  readonly policy: ScopePolicy;
  /** The manifest's name for it, for the error description (never the client's string). */
  readonly what: string;
}

export function createSubscriptionGate(
  resources: readonly ResolvedResource[],
  templates: readonly ResolvedResourceTemplate[],
  resourceMetadataUrl: string,
): SubscriptionGate {
  const guarded: Guarded[] = [
    ...resources
      .filter((r) => r.scopes.scopes.length > 0)
      .map((r) => ({ matches: (uri: string) => uri === r.uri, policy: r.scopes, what: `the resource ${r.uri}` })),
    ...templates
      .filter((t) => t.scopes.scopes.length > 0)
      .map((t) => {
        const template = new UriTemplate(t.uriTemplate);
        return {
          matches: (uri: string) => template.match(uri) !== null,
          policy: t.scopes,
          what: `the resource template ${t.uriTemplate}`,
        };
      }),
  ];
  return (body, authInfo) => {
    const auth = authOf(authInfo);
    if (!auth || guarded.length === 0) return undefined;
    const needed = new Set<string>();
    const refused = new Set<string>();
    for (const uri of subscribedUris(body)) {
      // The SDK looks a resource up by its parsed form: match both, so neither spelling slips past.
      const forms = [uri, normalized(uri)];
      for (const g of guarded) {
        const missing = forms.some(g.matches) ? scopeChallenge(g.policy, auth.scopes) : undefined;
        if (!missing) continue;
        refused.add(g.what);
        for (const scope of missing) needed.add(scope);
      }
    }
    if (needed.size === 0) return undefined;
    const description = `Subscribing to ${[...refused].join(' and ')} needs scope ${[...needed].join(' ')}`;
    return bearerAuthChallengeResponse(new OAuthError(OAuthErrorCode.InsufficientScope, description), {
      requiredScopes: [...needed],
      resourceMetadataUrl,
    });
  };
}

/** The resource URIs a JSON-RPC message (or batch) subscribes to. */
function subscribedUris(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    if (message === null || typeof message !== 'object') return [];
    const { method, params } = message as {
      method?: unknown;
      params?: { uri?: unknown; notifications?: { resourceSubscriptions?: unknown } };
    };
    if (method === 'resources/subscribe') return typeof params?.uri === 'string' ? [params.uri] : [];
    const listened = method === 'subscriptions/listen' ? params?.notifications?.resourceSubscriptions : undefined;
    return Array.isArray(listened) ? listened.filter((uri): uri is string => typeof uri === 'string') : [];
  });
}

function normalized(uri: string): string {
  return URL.canParse(uri) ? new URL(uri).toString() : uri;
}
