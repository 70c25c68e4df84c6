/**
 * What the HTTP layer reads of the version it serves, and nothing more: the runtime's
 * snapshot satisfies it, so http/ imports nothing from runtime/ (runtime → http only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DevAuthorizationServer } from '../auth/dev/server.js';
import type { TokenVerifier } from '../auth/verifier.js';
import type { SharedStore } from '../store/shared.js';
import type { RateLimiter } from './rate-limit.js';
import type { ReadBody } from './read-body.js';

export interface HttpSnapshot {
  /** The MCP endpoint's path. */
  readonly path: string;
  readonly resourceUrl: string;
  readonly resourceMetadataUrl: string;
  /** Where the RFC 9728 document is served, and the document itself. */
  readonly metadataPaths: ReadonlySet<string>;
  readonly metadataJson: string;
  /** Scopes named in the challenge to a request without credentials. */
  readonly scopesSupported: readonly string[];
  /** Absent for `auth.provider: none`. */
  readonly verifier: Pick<TokenVerifier, 'verify' | 'ready' | 'prefetch' | 'failure'> | undefined;
  /** The built-in authorization server, for `auth.provider: dev`. */
  readonly authorizationServer: Pick<DevAuthorizationServer, 'handles' | 'handle'> | undefined;
  /** Host names accepted in `Host`; absent when not bound to loopback. */
  readonly allowedHosts: string[] | undefined;
  readonly allowedOrigins: string[];
  readonly maxBodyBytes: number;
  /** `body`: the JSON body of a POST, when the listener has read it. */
  readonly serveMcp: (req: IncomingMessage, res: ServerResponse, body?: ReadBody) => Promise<void>;
  /** Per-caller limit on the MCP endpoint, when the manifest sets one. */
  readonly rateLimiter: RateLimiter | undefined;
  /** The store replicas share, when the manifest names one (`store`). */
  readonly store: Pick<SharedStore, 'connection' | 'sealKey'> | undefined;
  /** Whether `/metrics` is served (`http.metrics`). */
  readonly metrics: boolean;
  /** Whether each request's JSON-RPC method and tool are noted for the access log (`http.accessLog`). */
  readonly accessLog: boolean;
}
