/** The development authorization server, imported lazily by manifests that use `provider: dev`. */
export { createDevAuthorizationServer, type DevAuthorizationServer, devVerifierConfig } from './server.js';
export { DEV_STATE_DIR, type DevState, openDevState } from './state.js';
export { mintDevToken, parseTtl } from './token.js';
