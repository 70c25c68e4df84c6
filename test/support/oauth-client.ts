/** An in-memory OAuthClientProvider, as an MCP client application would implement it. */
export const REDIRECT_URI = 'http://127.0.0.1:1/callback';

export class MemoryOAuthProvider {
  client: Record<string, unknown> | undefined;
  stored: { access_token: string; refresh_token?: string; scope?: string } | undefined;
  verifier = '';
  /** Set when the SDK sends the user to the authorization server. */
  authorizationUrl: URL | undefined;

  get redirectUrl(): string {
    return REDIRECT_URI;
  }
  get clientMetadata() {
    return {
      client_name: 'mcp-oauth test client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.client as never;
  }
  saveClientInformation(info: Record<string, unknown>) {
    this.client = info;
  }
  tokens() {
    return this.stored as never;
  }
  saveTokens(tokens: { access_token: string; refresh_token?: string; scope?: string }) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}
