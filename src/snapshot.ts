/**
 * A snapshot is everything one manifest load serves with: the metadata document,
 * the token verifier, the SDK handler. Built completely before it is used, never per
 * request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, localhostAllowedHostnames, localhostAllowedOrigins, type McpHttpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { buildResourceMetadata, resourceMetadataPaths, resourceMetadataUrl } from './auth/metadata.js';
import { createTokenVerifier, type TokenVerifier } from './auth/verifier.js';
import type { LoadedManifest } from './config/index.js';
import type { Logger } from './log.js';
import { isLoopbackHost } from './manifest.js';
import { createServerFactory } from './mcp.js';

export interface Snapshot {
  readonly loaded: LoadedManifest;
  readonly path: string;
  readonly resourceUrl: string;
  readonly resourceMetadataUrl: string;
  readonly metadataPaths: ReadonlySet<string>;
  readonly metadataJson: string;
  readonly scopesSupported: readonly string[];
  /** Absent for `auth.provider: none`. */
  readonly verifier: TokenVerifier | undefined;
  /** Host names accepted in `Host`; absent when not bound to loopback. */
  readonly allowedHosts: readonly string[] | undefined;
  readonly allowedOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly serveMcp: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  readonly mcp: McpHttpHandler;
}

/** The resource identifier: `publicUrl + path`, or the listening address when no publicUrl is set. */
export function resourceUrlFor(loaded: LoadedManifest, port: number): string {
  const { http } = loaded.manifest;
  const host = http.host === '0.0.0.0' || http.host === '::' ? 'localhost' : http.host.includes(':') ? `[${http.host}]` : http.host;
  const origin = http.publicUrl ?? `http://${host}:${port}`;
  return http.path === '/' ? origin : `${origin}${http.path}`;
}

export function buildSnapshot(loaded: LoadedManifest, resourceUrl: string, log: Logger): Snapshot {
  const { manifest } = loaded;
  const publicHost = new URL(resourceUrl).hostname;
  const mcp = createMcpHandler(createServerFactory(loaded, log), {
    maxRequestBodySize: manifest.http.maxBodyBytes,
    onerror: (error) => log.debug(`mcp: ${error.message}`),
  });
  const serveMcp = toNodeHandler(mcp, {
    maxRequestBodySize: manifest.http.maxBodyBytes,
    onerror: (error) => log.error(`mcp handler: ${error.message}`),
  });
  return {
    loaded,
    path: manifest.http.path,
    resourceUrl,
    resourceMetadataUrl: resourceMetadataUrl(resourceUrl),
    metadataPaths: new Set(resourceMetadataPaths(manifest.http.path)),
    metadataJson: JSON.stringify(buildResourceMetadata(manifest, resourceUrl)),
    scopesSupported: manifest.resource.scopes_supported,
    verifier: manifest.auth.provider === 'none' ? undefined : createTokenVerifier(manifest.auth, resourceUrl),
    allowedHosts: isLoopbackHost(manifest.http.host) ? [...localhostAllowedHostnames(), publicHost, ...manifest.http.allowedHosts] : undefined,
    allowedOrigins: [...localhostAllowedOrigins(), publicHost, ...manifest.http.allowedOrigins],
    maxBodyBytes: manifest.http.maxBodyBytes,
    serveMcp: (req, res) => serveMcp(req, res),
    mcp,
  };
}
