/**
 * How the verified caller rides through the SDK: its `AuthInfo.extra.auth`. The one
 * module that knows that place; everything else asks `authOf`.
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { AuthContext } from './types.js';

/** The SDK's `AuthInfo` carries our verified `AuthContext` here; the raw token is never set. */
export function toAuthInfo(auth: AuthContext, resourceUrl: string, resourceMetadataUrl: string): AuthInfo {
  return {
    token: '',
    clientId: auth.clientId ?? '',
    scopes: [...auth.scopes],
    expiresAt: auth.expiresAt,
    resource: new URL(resourceUrl),
    resourceMetadataUrl,
    extra: { auth },
  };
}

export function authOf(info: AuthInfo | undefined): AuthContext | undefined {
  return info?.extra?.['auth'] as AuthContext | undefined;
}
