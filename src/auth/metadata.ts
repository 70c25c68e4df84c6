/** RFC 9728 protected resource metadata, built once per snapshot (pure). */
import type { ResolvedManifest } from '../manifest.js';

/** `https://host/mcp` → `https://host/.well-known/oauth-protected-resource/mcp` (RFC 9728 section 3.1). */
export function resourceMetadataUrl(resourceUrl: string): string {
  const url = new URL(resourceUrl);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/** Paths this server answers the metadata document at: path-inserted and root forms. */
export function resourceMetadataPaths(mcpPath: string): string[] {
  const root = '/.well-known/oauth-protected-resource';
  return mcpPath === '/' ? [root] : [`${root}${mcpPath}`, root];
}

/** `authorizationServers` is used when the manifest names none (the dev server's own origin). */
export function buildResourceMetadata(
  manifest: ResolvedManifest,
  resourceUrl: string,
  authorizationServers?: readonly string[],
): Record<string, unknown> {
  const { resource } = manifest;
  const servers = resource.authorization_servers ?? authorizationServers;
  return {
    resource: resourceUrl,
    ...(servers && { authorization_servers: servers }),
    ...(resource.scopes_supported.length > 0 && { scopes_supported: resource.scopes_supported }),
    bearer_methods_supported: ['header'],
    ...(resource.resource_name !== undefined && { resource_name: resource.resource_name }),
    ...(resource.resource_documentation !== undefined && { resource_documentation: resource.resource_documentation }),
    ...(resource.resource_policy_uri !== undefined && { resource_policy_uri: resource.resource_policy_uri }),
    ...(resource.resource_tos_uri !== undefined && { resource_tos_uri: resource.resource_tos_uri }),
  };
}
