/** The setup several HTTP test files share: one token authority, one runtime it protects. */
import { after, before } from 'node:test';
import { type Authority, startAuthority } from './authority.js';
import { protectedManifest, type ServeOptions, serveManifest, type TestServer } from './server.js';

/** Both are there once the `before` hook has run, that is inside tests and later hooks. */
export interface ProtectedServerFixture {
  readonly authority: Authority;
  readonly server: TestServer;
}

/**
 * Registers `before`/`after` hooks on the current suite (the file, at top level) that
 * start an authority, then serve `manifest(issuer)` (by default the fixture tools
 * protected by it), and close both at the end. Hooks rather than a value because
 * node:test collects the tests before any of them runs.
 */
export function sharedProtectedServer(
  manifest: (issuer: string) => Record<string, unknown> = protectedManifest,
  options: ServeOptions = {},
): ProtectedServerFixture {
  let authority: Authority;
  let server: TestServer;
  before(async () => {
    authority = await startAuthority();
    server = await serveManifest(manifest(authority.issuer), options);
  });
  after(async () => {
    await server.close();
    await authority.close();
  });
  return {
    get authority() {
      return authority;
    },
    get server() {
      return server;
    },
  };
}
